import type { EncodingPreview, RasterProbe } from '../../../main/contract';
import { BASE, colorAt, MUTED } from './palette';
import type { ChartOption, Series } from './types';

/** (step, unit) pairs from a flattened [t0, u0, t1, u1, …] list. */
export function spikePairs(flat: readonly number[]): [number, number][] {
  const out: [number, number][] = new Array(Math.floor(flat.length / 2));
  for (let i = 0; i < out.length; i++) out[i] = [flat[2 * i]!, flat[2 * i + 1]!];
  return out;
}

interface Panel {
  title: string;
  steps: number;
  units: number;
  spikes: readonly number[];
  color: string;
  /** Unit k of the panel is unit k·unitStep of the layer (large layers are sampled evenly). */
  unitStep?: number;
}

/** A tick per spike: time on x, unit on y (paper Fig. 4c/4d). Marks size to the unit count. */
function rasterPanels(panels: Panel[], emptyText: string): ChartOption {
  const n = Math.max(1, panels.length);
  const gap = 4; // percent between panels
  const width = (100 - 8 - gap * (n - 1)) / n;
  const grids = panels.map((_, i) => ({ left: `${6 + i * (width + gap)}%`, width: `${width}%`, top: 34, bottom: 36 }));
  const series: Series[] = panels.map((p, i) => ({
    name: p.title,
    type: 'scatter',
    xAxisIndex: i,
    yAxisIndex: i,
    data: spikePairs(p.spikes),
    symbol: 'rect',
    symbolSize: [Math.max(2, Math.min(6, 150 / Math.max(1, p.steps))), Math.max(1, Math.min(6, 200 / Math.max(1, p.units)))],
    large: true,
    largeThreshold: 4000,
    itemStyle: { color: p.color },
    emphasis: { disabled: true },
  }));
  return {
    ...BASE,
    title: panels.length === 0
      ? { text: emptyText, left: 'center', top: 'middle', textStyle: { fontSize: 13, fontWeight: 'normal', color: MUTED } }
      : panels.map((p, i) => ({ text: p.title, left: `${6 + i * (width + gap)}%`, top: 4, textStyle: { fontSize: 12, fontWeight: 'normal' } })),
    tooltip: { trigger: 'item', formatter: (p) => {
      const { value, seriesIndex } = p as { value?: [number, number]; seriesIndex?: number };
      return value ? `time step ${value[0]}, unit ${value[1] * (panels[seriesIndex ?? 0]?.unitStep ?? 1)}` : '';
    } },
    grid: grids.length > 0 ? grids : [{ left: 40, right: 20, top: 30, bottom: 30 }],
    xAxis: (panels.length > 0 ? panels : [null]).map((p, i) => ({
      type: 'value' as const, gridIndex: i, show: p !== null, min: -0.5, max: (p?.steps ?? 1) - 0.5, name: 'time step', nameLocation: 'middle' as const, nameGap: 22,
      splitLine: { show: false }, axisLabel: { formatter: (v: number) => (Number.isInteger(v) ? String(v) : '') },
    })),
    yAxis: (panels.length > 0 ? panels : [null]).map((p, i) => ({
      type: 'value' as const, gridIndex: i, show: p !== null, min: -0.5, max: (p?.units ?? 1) - 0.5, inverse: true,
      name: i === 0 ? ((p?.unitStep ?? 1) > 1 ? `unit (every ${p!.unitStep})` : 'unit') : '', nameLocation: 'middle' as const, nameGap: 34,
      splitLine: { show: false }, axisLabel: { show: i === 0, formatter: (v: number) => (Number.isInteger(v) ? String(v * (p?.unitStep ?? 1)) : '') },
    })),
    series,
  };
}

/**
 * One layer's spikes for the probe sample before training next to the same layer now, so the
 * change training made is visible at a glance. Either side may be missing. `afterTitle` names a
 * moment within an epoch (a live probe); by default the "after" panel is the end of its epoch.
 */
export function rasterOption(before: RasterProbe | null | undefined, after: RasterProbe | null | undefined, afterTitle?: string): ChartOption {
  const panels: Panel[] = [];
  if (before) panels.push({ title: 'before training', steps: before.steps, units: before.units, spikes: before.spikes, color: MUTED, unitStep: before.unitStep });
  if (after && !(before && after.epoch === before.epoch && afterTitle === undefined)) {
    panels.push({ title: afterTitle ?? `after epoch ${after.epoch}`, steps: after.steps, units: after.units, spikes: after.spikes, color: colorAt(0), unitStep: after.unitStep });
  }
  return rasterPanels(panels, 'No probe yet');
}

/** The input spikes of one sample (dataset preview). */
export function encodingOption(preview: EncodingPreview | null | undefined): ChartOption {
  if (!preview) return rasterPanels([], 'Click a sample to see its spike train');
  return rasterPanels([{ title: `${preview.units} inputs × ${preview.steps} steps`, steps: preview.steps, units: preview.units, spikes: preview.spikes, color: colorAt(0) }], '');
}

/** One layer's spikes of one sample, flattened (step, unit) pairs, under a title ("Try it"). */
export function spikeRasterOption(title: string, steps: number, units: number, spikes: readonly number[], emptyText = 'No spikes to show'): ChartOption {
  return rasterPanels(units > 0 ? [{ title, steps, units, spikes, color: colorAt(0) }] : [], emptyText);
}
