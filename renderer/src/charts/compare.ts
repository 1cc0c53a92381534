import type { RunMetrics } from '../../../main/contract';
import { BASE, colorAt, GRID, Y_NAME } from './palette';
import { smooth } from './smooth';
import type { ChartOption } from './types';

export interface ComparedRun {
  label: string;
  metrics: RunMetrics | undefined;
}

/** Test accuracy per epoch, one line per run. */
export function compareAccuracyOption(runs: readonly ComparedRun[]): ChartOption {
  const maxEpoch = runs.reduce((m, r) => Math.max(m, ...(r.metrics?.epochs.map((e) => e.epoch) ?? [])), 1);
  return {
    ...BASE,
    grid: { ...GRID, top: 44 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? `${(v * 100).toFixed(2)}%` : String(v)) },
    legend: { top: 4, type: 'scroll' },
    xAxis: { type: 'value', name: 'epoch', nameLocation: 'middle', nameGap: 26, minInterval: 1, min: 1, max: maxEpoch },
    yAxis: { type: 'value', name: 'test accuracy', scale: true, max: 1, ...Y_NAME, axisLabel: { formatter: (v: number) => `${Math.round(v * 1000) / 10}%` } },
    series: runs.map((r, i) => ({
      name: r.label,
      type: 'line' as const,
      data: (r.metrics?.epochs ?? []).map((e) => [e.epoch, e.testAccuracy]),
      symbolSize: 6,
      itemStyle: { color: colorAt(i) },
    })),
  };
}

/** Smoothed training loss per step, one line per run. */
export function compareLossOption(runs: readonly ComparedRun[], smoothing = 0.9): ChartOption {
  return {
    ...BASE,
    grid: { ...GRID, top: 44 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? v.toPrecision(4) : String(v)) },
    legend: { top: 4, type: 'scroll' },
    xAxis: { type: 'value', name: 'step', nameLocation: 'middle', nameGap: 26, min: 0 },
    yAxis: { type: 'value', name: 'loss (smoothed)', scale: true, ...Y_NAME },
    series: runs.map((r, i) => {
      const batches = r.metrics?.batches ?? [];
      return {
        name: r.label,
        type: 'line' as const,
        data: smooth(batches.map((b) => b.loss), smoothing).map((v, k) => [batches[k]!.step, v]),
        showSymbol: false,
        sampling: 'lttb' as const,
        lineStyle: { width: 1.75 },
        itemStyle: { color: colorAt(i) },
      };
    }),
  };
}
