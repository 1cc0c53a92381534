/**
 * Series colours readable on the light and the dark background alike (mid lightness, distinct
 * hues, colour-blind-safe order after Okabe–Ito).
 */
export const SERIES_COLORS = ['#3b82f6', '#e69f00', '#10b981', '#cc79a7', '#56b4e9', '#d55e00', '#8b5cf6', '#009e73', '#f0a202', '#64748b'];

export const colorAt = (i: number): string => SERIES_COLORS[i % SERIES_COLORS.length]!;

export const THRESHOLD_COLOR = '#ef4444';
export const MUTED = '#94a3b8';

/** Shared bits of every chart: no animation for live data, transparent so the panel shows through. */
export const BASE = {
  backgroundColor: 'transparent',
  animation: false,
  textStyle: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif' },
} as const;

export const GRID = { left: 64, right: 20, top: 36, bottom: 40, containLabel: false } as const;

/** Y axis titles sit rotated along the axis, clear of the legend. */
export const Y_NAME = { nameLocation: 'middle', nameGap: 46 } as const;

export const MONO = 'ui-monospace, "SF Mono", Menlo, Consolas, monospace';
