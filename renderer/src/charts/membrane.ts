import type { MembraneProbe } from '../../../main/contract';
import { BASE, colorAt, GRID, MUTED, THRESHOLD_COLOR, Y_NAME } from './palette';
import type { ChartOption, Series } from './types';

/**
 * Membrane potential u[t] of a few units (before reset, so a spike shows as a crossing of the
 * threshold line), with Vth drawn as a dashed line (docs/math.md eq. 3–8).
 */
export function membraneOption(probe: MembraneProbe | null | undefined, maxTraces = 8, names: readonly string[] = []): ChartOption {
  const traces = probe ? probe.traces.slice(0, maxTraces) : [];
  const nameOf = (k: number): string => names[k] ?? `unit ${k * (probe?.unitStep ?? 1)}`;
  const series: Series[] = traces.map((trace, k) => ({
    name: nameOf(k),
    type: 'line',
    data: trace.map((u, t) => [t, u]), // step t from 0, as in the rasters beside it
    showSymbol: trace.length <= 40,
    symbolSize: 4,
    lineStyle: { width: 1.5 },
    itemStyle: { color: colorAt(k) },
  }));
  if (probe) {
    // The threshold rides on its own empty series so it shows even when there are no traces.
    series.push({
      name: 'Vth',
      type: 'line',
      data: [],
      itemStyle: { color: THRESHOLD_COLOR },
      markLine: {
        silent: true,
        symbol: 'none',
        lineStyle: { color: THRESHOLD_COLOR, type: 'dashed', width: 1.5 },
        label: { formatter: `Vth ${probe.vth}`, position: 'insideEndTop', color: THRESHOLD_COLOR },
        data: [{ yAxis: probe.vth }],
      },
    });
  }
  // The threshold line must be on the plot even when no trace gets near it.
  const high = traces.reduce((m, t) => t.reduce((a, v) => Math.max(a, v), m), probe?.vth ?? 1);
  const top = Math.ceil(Math.max(high, (probe?.vth ?? 1) * 1.15) * 4) / 4;
  return {
    ...BASE,
    title: probe ? [] : { text: 'No membrane probe yet', left: 'center', top: 'middle', textStyle: { fontSize: 13, fontWeight: 'normal', color: MUTED } },
    grid: { ...GRID, right: 64 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? v.toFixed(3) : String(v)) },
    legend: { top: 4, left: 64, right: 8, type: 'scroll', data: traces.map((_, k) => nameOf(k)) },
    xAxis: { type: 'value', name: 'time step', nameLocation: 'middle', nameGap: 26, min: 0, max: Math.max(1, (probe?.steps ?? 1) - 1), minInterval: 1 },
    yAxis: { type: 'value', name: 'membrane potential u', max: top, ...Y_NAME },
    series,
  };
}
