import { init } from './echarts';
import type { ChartOption } from './types';

/** PNG figures are drawn at twice the chart's CSS size: sharp on a page or a slide. */
export const FIGURE_PIXEL_RATIO = 2;

export interface Figure {
  /** What the chart shows, printed on top of the figure. */
  title: string;
  /** Which run (or runs) it is of, under the title. */
  subtitle?: string;
  /** An opaque colour: the panel the chart sits on, so the figure looks as it does on screen. */
  background: string;
}

export interface FigureSize {
  width: number;
  height: number;
}

/** Room the title (and subtitle) take above the chart. */
export function titleSpace(figure: Pick<Figure, 'subtitle'>): number {
  return figure.subtitle ? 46 : 30;
}

type Placed = { top?: unknown };

/** Everything placed from the top at a pixel offset moves down by `by`; the rest stays. */
function shifted<T>(component: T, by: number): T {
  const move = (item: Placed): Placed => (typeof item.top === 'number' ? { ...item, top: item.top + by } : item);
  if (component === undefined || component === null) return component;
  return (Array.isArray(component) ? component.map(move) : move(component as Placed)) as T;
}

function list<T>(component: T | T[] | undefined): T[] {
  return component === undefined ? [] : Array.isArray(component) ? component : [component];
}

/**
 * The chart as a standalone figure: its title (and subtitle) on top, the grids, legends and
 * panel titles moved down to make room (the plots keep their size), an opaque background instead
 * of the app's transparent one, and no tooltip (nothing to hover on a file). The axis names are
 * the builder's own, so they are in the figure as on screen.
 */
export function figureOption(option: ChartOption, figure: Figure): ChartOption {
  const space = titleSpace(figure);
  const { tooltip: _tooltip, ...rest } = option;
  const heading = {
    text: figure.title,
    subtext: figure.subtitle ?? '',
    left: 12,
    top: 8,
    textStyle: { fontSize: 15, fontWeight: 600 as const },
    subtextStyle: { fontSize: 12 },
  };
  return {
    ...rest,
    backgroundColor: figure.background,
    title: [heading, ...list(shifted(option.title, space))],
    grid: shifted(option.grid, space),
    legend: shifted(option.legend, space),
    visualMap: shifted(option.visualMap, space),
  };
}

/** The figure's size for a chart of `size` on screen: as wide, taller by its title. */
export function figureSize(size: FigureSize, figure: Pick<Figure, 'subtitle'>): FigureSize {
  return { width: Math.round(size.width), height: Math.round(size.height) + titleSpace(figure) };
}

/**
 * Font lists with their double quotes made single: ECharts' SVG writer puts a text's font into a
 * `style="…"` attribute without escaping it, so `"Segoe UI"` would end the attribute and leave the
 * file unreadable. Series data is not walked (nothing there holds a font).
 */
export function singleQuotedFonts<T>(value: T, key = ''): T {
  if (key === 'fontFamily' && typeof value === 'string') return value.replaceAll('"', "'") as T;
  if (key === 'data' || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => singleQuotedFonts(item)) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, singleQuotedFonts(v, k)])) as T;
}

/** The figure as an SVG document, rendered off screen by ECharts' SVG renderer (no DOM needed). */
export function renderFigureSvg(option: ChartOption, size: FigureSize, theme: 'light' | 'dark'): string {
  const chart = init(null, theme === 'dark' ? 'dark' : undefined, { renderer: 'svg', ssr: true, width: size.width, height: size.height });
  try {
    chart.setOption(singleQuotedFonts(option) as never);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/**
 * The figure as a PNG at FIGURE_PIXEL_RATIO, drawn by the canvas renderer in a hidden element of
 * `document` (the live chart keeps its own size and options).
 */
export async function renderFigurePng(option: ChartOption, size: FigureSize, theme: 'light' | 'dark', doc: Document = document): Promise<Blob> {
  const holder = doc.createElement('div');
  holder.style.cssText = `position:fixed;left:-100000px;top:0;width:${size.width}px;height:${size.height}px;`;
  doc.body.append(holder);
  const chart = init(holder, theme === 'dark' ? 'dark' : undefined, { renderer: 'canvas', width: size.width, height: size.height });
  try {
    chart.setOption(option as never);
    const canvas = chart.renderToCanvas({ pixelRatio: FIGURE_PIXEL_RATIO, backgroundColor: option.backgroundColor as string });
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the browser could not encode the chart as PNG'))), 'image/png'),
    );
  } finally {
    chart.dispose();
    holder.remove();
  }
}
