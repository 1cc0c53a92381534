import type { ChartOption } from '../../../renderer/src/charts/types';

type AnySeries = { name?: string; type?: string; data?: unknown[]; markLine?: { data?: unknown[] }; xAxisIndex?: number };

export function seriesOf(option: ChartOption): AnySeries[] {
  const s = option.series;
  return (s === undefined ? [] : Array.isArray(s) ? s : [s]) as AnySeries[];
}

export function axes(option: ChartOption, key: 'xAxis' | 'yAxis'): Record<string, unknown>[] {
  const a = option[key];
  return (a === undefined ? [] : Array.isArray(a) ? a : [a]) as Record<string, unknown>[];
}
