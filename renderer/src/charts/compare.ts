import type { BatchPoint, EpochPoint, RunMetrics, RunStopFigures } from '../../../main/contract';
import { BASE, colorAt, GRID, Y_NAME } from './palette';
import { smooth } from './smooth';
import type { ChartOption } from './types';

export interface ComparedRun {
  label: string;
  metrics: RunMetrics | undefined;
  /** Training samples per epoch and batches per epoch (its split, limit and batch size), for aligning by samples. */
  samplesPerEpoch?: number;
  batchesPerEpoch?: number;
  batchSize?: number;
  /** A run stopped mid-epoch: its last weights' test accuracy is a point at the stop. */
  stop?: RunStopFigures | null;
}

/**
 * What the x axis of a comparison counts, so runs of different sizes line up: epochs (fractional
 * within an epoch), training samples seen, or training time (the epochs' own seconds; within an
 * epoch, its batches at the pace of the run's last finished epoch).
 */
export type CompareAlign = 'epoch' | 'samples' | 'time';

export const ALIGNS: { value: CompareAlign; label: string; axis: string }[] = [
  { value: 'epoch', label: 'epoch', axis: 'epoch' },
  { value: 'samples', label: 'samples seen', axis: 'training samples seen' },
  { value: 'time', label: 'training time', axis: 'training time (s)' },
];

const axisName = (align: CompareAlign): string => ALIGNS.find((a) => a.value === align)!.axis;

/** Where an epoch's end lies on the axis; undefined when the run lacks what it takes. */
function epochX(run: ComparedRun, epochs: readonly EpochPoint[], i: number, align: CompareAlign): number | undefined {
  const e = epochs[i]!;
  if (align === 'epoch') return e.epoch;
  if (align === 'samples') return run.samplesPerEpoch === undefined ? undefined : e.epoch * run.samplesPerEpoch;
  return epochs.slice(0, i + 1).reduce((s, p) => s + p.seconds, 0);
}

/** Where a batch lies on the axis; undefined when the run lacks what it takes. */
function batchX(run: ComparedRun, b: Pick<BatchPoint, 'epoch' | 'batch'>, align: CompareAlign): number | undefined {
  const per = run.batchesPerEpoch;
  if (align === 'epoch') return per ? b.epoch - 1 + b.batch / per : undefined;
  if (align === 'samples') {
    if (run.samplesPerEpoch === undefined || run.batchSize === undefined) return undefined;
    return (b.epoch - 1) * run.samplesPerEpoch + Math.min(run.samplesPerEpoch, b.batch * run.batchSize);
  }
  const epochs = run.metrics?.epochs ?? [];
  const done = epochs.filter((e) => e.epoch < b.epoch);
  const pace = epochs.find((e) => e.epoch === b.epoch) ?? done[done.length - 1];
  if (!per || !pace) return undefined;
  return done.reduce((s, e) => s + e.seconds, 0) + (pace.seconds * b.batch) / per;
}

const defined = (p: [number | undefined, number]): p is [number, number] => p[0] !== undefined;

/** Test accuracy after each epoch, one line per run, on the axis chosen; a stopped run's last weights end its line where it stopped. */
export function compareAccuracyOption(runs: readonly ComparedRun[], align: CompareAlign = 'epoch'): ChartOption {
  const series = runs.map((r, i) => {
    const epochs = r.metrics?.epochs ?? [];
    const stop = r.stop?.evaluatedAtStop && r.stop.testAccuracy !== null && r.stop.batch < r.stop.batches ? r.stop : null;
    return {
      name: r.label,
      type: 'line' as const,
      data: [
        ...epochs.map((e, k): [number | undefined, number] => [epochX(r, epochs, k, align), e.testAccuracy]),
        ...(stop ? [[batchX(r, stop, align), stop.testAccuracy!] as [number | undefined, number]] : []),
      ].filter(defined),
      symbolSize: 6,
      itemStyle: { color: colorAt(i) },
    };
  });
  const maxX = series.reduce((m, s) => Math.max(m, ...s.data.map((p) => p[0])), 1);
  return {
    ...BASE,
    grid: { ...GRID, top: 44 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? `${(v * 100).toFixed(2)}%` : String(v)) },
    legend: { top: 4, type: 'scroll' },
    xAxis: align === 'epoch'
      ? { type: 'value', name: 'epoch', nameLocation: 'middle', nameGap: 26, minInterval: 1, min: 1, max: maxX }
      : { type: 'value', name: axisName(align), nameLocation: 'middle', nameGap: 26, min: 0 },
    yAxis: { type: 'value', name: 'test accuracy', scale: true, max: 1, ...Y_NAME, axisLabel: { formatter: (v: number) => `${Math.round(v * 1000) / 10}%` } },
    series,
  };
}

/** Smoothed training loss per batch, one line per run, on the axis chosen. */
export function compareLossOption(runs: readonly ComparedRun[], smoothing = 0.9, align: CompareAlign = 'epoch'): ChartOption {
  return {
    ...BASE,
    grid: { ...GRID, top: 44 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? v.toPrecision(4) : String(v)) },
    legend: { top: 4, type: 'scroll' },
    xAxis: { type: 'value', name: axisName(align), nameLocation: 'middle', nameGap: 26, min: 0 },
    yAxis: { type: 'value', name: 'loss (smoothed)', scale: true, ...Y_NAME },
    series: runs.map((r, i) => {
      const batches = r.metrics?.batches ?? [];
      const smoothed = smooth(batches.map((b) => b.loss), smoothing);
      return {
        name: r.label,
        type: 'line' as const,
        data: batches.map((b, k): [number | undefined, number] => [batchX(r, b, align), smoothed[k]!]).filter(defined),
        showSymbol: false,
        sampling: 'lttb' as const,
        lineStyle: { width: 1.75 },
        itemStyle: { color: colorAt(i) },
      };
    }),
  };
}
