/**
 * A study's figures, as the paper draws them: test accuracy per setting with the paper's own
 * numbers beside ours (Table VII), test accuracy against a numeric setting (Fig. 6b: the
 * rectangle's width), and the test-accuracy curves of each setting (Fig. 6a: the four shapes).
 * Pure: a study summary in, an ECharts option out.
 */
import type { StudyCell, StudySummary, StudyValue } from '../../../main/contract';
import { BASE, colorAt, GRID, MUTED, Y_NAME } from './palette';
import type { ChartOption } from './types';

const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
const axisPct = { formatter: (v: number) => `${Math.round(v * 1000) / 10}%` };
const tooltipPct = (v: unknown): string => (typeof v === 'number' ? pct(v) : String(v));
/** An interval's end drawn as a short horizontal tick. */
const TICK = { symbol: 'rect', symbolSize: [16, 2] as [number, number] };

/** Each completed run's own mean over the summary's last epochs. */
export function runMean(cell: StudyCell, lastEpochs: number): number | null {
  if (cell.status !== 'completed' || cell.testAccuracy.length === 0) return null;
  const window = cell.testAccuracy.slice(-lastEpochs);
  return window.reduce((a, b) => a + b, 0) / window.length;
}

/** Axis paths whose values are all numbers, with at least two of them: what accuracy can be plotted against. */
export function numericAxes(study: StudySummary): string[] {
  return study.axes.filter((path) => {
    const values = new Set(study.cells.map((c) => c.values[path]));
    return path !== 'seed' && values.size > 1 && [...values].every((v) => typeof v === 'number');
  });
}

/**
 * Mean test accuracy of each setting as a bar, its interval (lowest and highest over the last
 * epochs and seeds) as ticks, and the paper's mean and interval beside it where the paper gives one.
 */
export function studyBarsOption(study: StudySummary): ChartOption {
  const labels = study.groups.map((g) => g.label);
  const withPaper = study.groups.some((g) => g.paper);
  const values = study.groups.flatMap((g) => [g.min, g.max, g.paper?.interval?.[0], g.paper?.mean].filter((v): v is number => typeof v === 'number'));
  // The y axis starts at a round 5% below the lowest value drawn, so small differences show.
  const low = values.length ? Math.max(0, Math.floor(Math.min(...values) * 20 - 0.2) / 20) : 0;
  const interval = (name: string, pick: (i: number) => [number, number] | null, color: string) => ({
    name,
    type: 'scatter' as const,
    ...TICK,
    itemStyle: { color },
    data: study.groups.flatMap((_, i) => (pick(i) ?? []).map((v) => [i, v])),
    tooltip: { valueFormatter: tooltipPct },
  });
  return {
    ...BASE,
    grid: { ...GRID, top: withPaper ? 64 : 44, bottom: 56 },
    tooltip: { trigger: 'item', valueFormatter: tooltipPct },
    legend: { top: 4 },
    xAxis: { type: 'category', data: labels, axisLabel: { interval: 0, rotate: labels.length > 4 ? 20 : 0 } },
    yAxis: { type: 'value', name: 'test accuracy', min: low, max: 1, ...Y_NAME, axisLabel: axisPct },
    series: [
      { name: 'this study (mean)', type: 'bar', data: study.groups.map((g) => g.mean), itemStyle: { color: colorAt(0) }, barMaxWidth: 36 },
      interval('this study (interval)', (i) => pair(study.groups[i]!.min, study.groups[i]!.max), colorAt(0)),
      ...(withPaper
        ? [
            { name: 'paper (mean)', type: 'bar' as const, data: study.groups.map((g) => g.paper?.mean ?? null), itemStyle: { color: colorAt(1) }, barMaxWidth: 36 },
            interval('paper (interval)', (i) => study.groups[i]!.paper?.interval ?? null, colorAt(1)),
          ]
        : []),
    ],
  };
}

const pair = (a: number | null, b: number | null): [number, number] | null => (a === null || b === null ? null : [a, b]);

/**
 * Mean test accuracy against one numeric setting (Fig. 6b: the width a1), one line per setting
 * of the other axes, each run's own mean as a dot, and the paper's numbers where it gives them.
 */
export function studyAgainstOption(study: StudySummary, axis: string): ChartOption {
  const xs = [...new Set(study.cells.map((c) => c.values[axis]))].filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
  const others = study.axes.filter((p) => p !== axis && p !== 'seed');
  const lineOf = (values: Record<string, StudyValue>) => others.map((p) => `${p}=${values[p]}`).join(', ') || 'mean';
  const lines = new Map<string, { x: number; mean: number | null }[]>();
  for (const g of study.groups) {
    const key = lineOf(g.values);
    lines.set(key, [...(lines.get(key) ?? []), { x: g.values[axis] as number, mean: g.mean }]);
  }
  const runs = new Map<string, [string, number][]>();
  for (const c of study.cells) {
    const m = runMean(c, study.lastEpochs);
    if (m === null) continue;
    const key = lineOf(c.values);
    runs.set(key, [...(runs.get(key) ?? []), [String(c.values[axis]), m]]);
  }
  const paper = (study.file.paper?.results ?? []).filter((r) => typeof r.where[axis] === 'number');
  return {
    ...BASE,
    grid: { ...GRID, top: 44 },
    tooltip: { trigger: 'item', valueFormatter: tooltipPct },
    legend: { top: 4, type: 'scroll' },
    xAxis: { type: 'category', data: xs.map(String), name: axis, nameLocation: 'middle', nameGap: 26 },
    yAxis: { type: 'value', name: 'test accuracy', scale: true, max: 1, ...Y_NAME, axisLabel: axisPct },
    series: [
      ...[...lines].map(([name, points], i) => ({
        name, type: 'line' as const, symbolSize: 7, itemStyle: { color: colorAt(i) },
        data: xs.map((x) => points.find((p) => p.x === x)?.mean ?? null), connectNulls: true,
      })),
      ...[...runs].map(([name, points]) => ({
        name: `${name} (each run)`, type: 'scatter' as const, symbolSize: 5, itemStyle: { color: MUTED, opacity: 0.8 }, data: points,
      })),
      ...(paper.length
        ? [{ name: 'paper', type: 'scatter' as const, symbol: 'diamond', symbolSize: 11, itemStyle: { color: '#d55e00' }, data: paper.map((r) => [String(r.where[axis]), r.mean]) }]
        : []),
    ],
  };
}

/** Test accuracy per epoch of each setting, averaged over its completed runs (Fig. 6a). */
export function studyCurvesOption(study: StudySummary): ChartOption {
  const epochs = Math.max(1, ...study.groups.map((g) => g.curve.length));
  return {
    ...BASE,
    grid: { ...GRID, top: 44 },
    tooltip: { trigger: 'axis', valueFormatter: tooltipPct },
    legend: { top: 4, type: 'scroll' },
    xAxis: { type: 'value', name: 'epoch', nameLocation: 'middle', nameGap: 26, min: 1, max: epochs, minInterval: 1 },
    yAxis: { type: 'value', name: 'test accuracy', scale: true, max: 1, ...Y_NAME, axisLabel: axisPct },
    series: study.groups.map((g, i) => ({
      name: g.label, type: 'line' as const, symbolSize: 6, itemStyle: { color: colorAt(i) }, data: g.curve.map((v, e) => [e + 1, v]),
    })),
  };
}
