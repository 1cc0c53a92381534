import type { ConfusionProbe } from '../../../main/contract';
import { BASE, MUTED } from './palette';
import type { ChartOption } from './types';

/** Cells at least this share of the largest are dark blue: their count is printed in white. */
const DARK_CELL = 0.4;

/**
 * The colour of a cell's count: white on the dark cells, the page's text colour on the pale ones
 * (nearly transparent, so the panel shows through: white there was unreadable in the light theme).
 */
export function cellTextColor(value: number, max: number, theme: 'light' | 'dark'): string {
  if (max > 0 && value / max >= DARK_CELL) return '#ffffff';
  return theme === 'dark' ? '#e2e8f0' : '#0f172a';
}

/**
 * Test-set confusion counts: truth down, prediction across, colour scaled from 0 to the largest
 * cell. Numbers are printed in the cells when there are few classes, in a colour each cell's own
 * shade can carry in either theme.
 */
export function confusionOption(probe: ConfusionProbe | null | undefined, classNames: readonly string[] = [], theme: 'light' | 'dark' = 'light'): ChartOption {
  const classes = probe?.classes ?? 0;
  const labels = Array.from({ length: classes }, (_, i) => classNames[i] ?? String(i));
  const data: [number, number, number][] = [];
  let max = 0;
  for (let truth = 0; truth < classes; truth++) {
    for (let predicted = 0; predicted < classes; predicted++) {
      const value = probe!.counts[truth * classes + predicted] ?? 0;
      max = Math.max(max, value);
      data.push([predicted, truth, value]);
    }
  }
  return {
    ...BASE,
    title: probe ? [] : { text: 'No confusion matrix yet (after the first epoch)', left: 'center', top: 'middle', textStyle: { fontSize: 13, fontWeight: 'normal', color: MUTED } },
    grid: { left: 64, right: 24, top: 16, bottom: 72 },
    tooltip: {
      formatter: (p) => {
        const v = (p as { value?: [number, number, number] }).value;
        return v ? `truth ${labels[v[1]]} → predicted ${labels[v[0]]}: ${v[2]}` : '';
      },
    },
    xAxis: { type: 'category', data: labels, name: 'predicted', nameLocation: 'middle', nameGap: 28, splitArea: { show: false } },
    yAxis: { type: 'category', data: labels, name: 'truth', nameLocation: 'middle', nameGap: 40, inverse: true },
    visualMap: {
      min: 0,
      max: Math.max(1, max),
      calculable: false,
      orient: 'horizontal',
      left: 'center',
      bottom: 4,
      itemHeight: 120,
      itemWidth: 10,
      inRange: { color: ['rgba(59,130,246,0.04)', '#3b82f6', '#1e3a8a'] },
    },
    series: [
      {
        name: 'confusion',
        type: 'heatmap',
        data: data.map((value) => ({ value, label: { color: cellTextColor(value[2], max, theme) } })),
        label: { show: classes > 0 && classes <= 12, fontSize: 10 },
        emphasis: { itemStyle: { borderColor: '#f59e0b', borderWidth: 1 } },
      },
    ],
  };
}
