import type { ChartOption } from './types';

/** How many data points a built option plots (the `data-points` attribute browser tests read). */
export function countPoints(option: ChartOption): number {
  const series = option.series === undefined ? [] : Array.isArray(option.series) ? option.series : [option.series];
  return series.reduce((sum, s) => sum + (Array.isArray((s as { data?: unknown }).data) ? ((s as { data: unknown[] }).data.length) : 0), 0);
}
