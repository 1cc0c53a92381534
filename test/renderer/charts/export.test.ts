import { describe, expect, it } from 'vitest';
import { compareAccuracyOption } from '../../../renderer/src/charts/compare';
import { confusionOption } from '../../../renderer/src/charts/confusion';
import { figureOption, figureSize, renderFigureSvg, singleQuotedFonts, titleSpace } from '../../../renderer/src/charts/export';
import { rasterOption } from '../../../renderer/src/charts/raster';
import { accuracyOption, lossOption } from '../../../renderer/src/charts/training';
import type { ChartOption } from '../../../renderer/src/charts/types';
import { batchPoint, epochPoint } from '../helpers/test-host';

const FIGURE = { title: 'Training loss per batch', subtitle: 'mlp-quick · run 12', background: '#ffffff' };
/**
 * A strict reading of the SVG as XML (tags, attributes in double quotes, nested properly, text with
 * no raw `<` or bare `&`, CDATA skipped): the texts it holds, or an error at the first place it is not well-formed.
 */
function xmlTexts(xml: string): string[] {
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  const text = /[^<]*/y;
  const open: string[] = [];
  const texts: string[] = [];
  let at = 0;
  while (at < xml.length) {
    text.lastIndex = at;
    const chunk = text.exec(xml)![0];
    if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[\da-f]+);)/i.test(chunk)) throw new Error(`bare & at ${at}: ${chunk.slice(0, 40)}`);
    if (chunk.trim()) texts.push(chunk.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&'));
    at += chunk.length;
    if (at >= xml.length) break;
    if (xml.startsWith('<![CDATA[', at)) {
      const end = xml.indexOf(']]>', at);
      if (end === -1) throw new Error(`unclosed CDATA at ${at}`);
      at = end + 3;
      continue;
    }
    tag.lastIndex = at;
    const m = tag.exec(xml);
    if (!m) throw new Error(`not well-formed at ${at}: ${xml.slice(at, at + 80)}`);
    if (m[1]) {
      if (open.pop() !== m[2]) throw new Error(`</${m[2]}> closes nothing open at ${at}`);
    } else if (!m[4]) open.push(m[2]!);
    at += m[0].length;
  }
  if (open.length > 0) throw new Error(`unclosed <${open.join('>, <')}>`);
  return texts;
}

const asList = (x: unknown): Record<string, unknown>[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]) as Record<string, unknown>[];

describe('a chart as a figure', () => {
  it('puts the title and subtitle on top, moves the plot down by that much, on an opaque background', () => {
    const option = lossOption([batchPoint(1), batchPoint(2)]);
    const figure = figureOption(option, FIGURE);
    const [heading] = asList(figure.title);
    expect(heading).toMatchObject({ text: 'Training loss per batch', subtext: 'mlp-quick · run 12', top: 8 });
    expect(figure.backgroundColor).toBe('#ffffff');
    expect(asList(figure.grid)[0]!.top).toBe((asList(option.grid)[0]!.top as number) + titleSpace(FIGURE));
    expect(asList(figure.legend)[0]!.top).toBe((asList(option.legend)[0]!.top as number) + titleSpace(FIGURE));
    expect(asList(figure.grid)[0]!.bottom).toBe(asList(option.grid)[0]!.bottom);
    expect(figure.tooltip).toBeUndefined();
    // The axis names and the series are the builder's own.
    expect(figure.xAxis).toBe(option.xAxis);
    expect(figure.series).toBe(option.series);
    // The live option is left as it was.
    expect(option.backgroundColor).toBe('transparent');
    expect(option.tooltip).toBeDefined();
  });

  it('keeps panel titles (rasters) below its own and leaves centred messages centred', () => {
    const raster = rasterOption({ epoch: 0, layer: 0, steps: 4, units: 3, layerUnits: 3, unitStep: 1, label: 1, spikes: [0, 1] }, { epoch: 2, layer: 0, steps: 4, units: 3, layerUnits: 3, unitStep: 1, label: 1, spikes: [1, 2] });
    const titles = asList(figureOption(raster, { title: 'Input spikes', background: '#000' }).title);
    expect(titles.map((t) => t.text)).toEqual(['Input spikes', 'before training', 'after epoch 2']);
    expect(titles.slice(1).map((t) => t.top)).toEqual([4 + 30, 4 + 30]);
    expect(asList(figureOption(raster, { title: 'x', background: '#000' }).grid).map((g) => g.top)).toEqual([34 + 30, 34 + 30]);
    const empty = asList(figureOption(confusionOption(null), { title: 'Confusion', background: '#000' }).title);
    expect(empty[1]).toMatchObject({ top: 'middle' });
  });

  it('is as wide as the chart on screen and taller by the title', () => {
    expect(figureSize({ width: 583.4, height: 260 }, FIGURE)).toEqual({ width: 583, height: 260 + 46 });
    expect(figureSize({ width: 400, height: 250 }, {})).toEqual({ width: 400, height: 280 });
  });
});

describe('SVG figures (ECharts server-side rendering)', () => {
  function svg(option: ChartOption, title: string, theme: 'light' | 'dark' = 'light'): string {
    const figure = { title, subtitle: 'run 3', background: theme === 'dark' ? '#1a1e24' : '#ffffff' };
    return renderFigureSvg(figureOption(option, figure), figureSize({ width: 600, height: 260 }, figure), theme);
  }

  it('draws the title, the axis names, the legend and one path per line series, at the figure size', () => {
    const text = svg(accuracyOption([epochPoint(1, { testAccuracy: 0.9 }), epochPoint(2, { testAccuracy: 0.95 })], 3), 'Accuracy per epoch');
    expect(text.startsWith('<svg')).toBe(true);
    expect(text).toMatch(/width="600" height="306"/);
    for (const word of ['Accuracy per epoch', 'run 3', 'epoch', 'accuracy', 'train', 'test']) expect(text).toContain(`>${word}<`);
    // The two lines in their series colours (palette: train colorAt(1), test colorAt(2)).
    expect(text).toMatch(/<path[^>]*stroke="#e69f00"/);
    expect(text).toMatch(/<path[^>]*stroke="#10b981"/);
    expect(text).toMatch(/<rect[^>]*fill="#ffffff"/); // the opaque background
  });

  it('renders heatmaps, rasters and the dark theme too', () => {
    const confusion = svg(confusionOption({ epoch: 1, classes: 2, counts: [5, 1, 2, 7] }), 'Confusion', 'dark');
    expect(confusion).toContain('>predicted<');
    expect(confusion).toContain('>truth<');
    expect(confusion).toContain('#1a1e24');
    const raster = svg(rasterOption(null, { epoch: 1, layer: 0, steps: 4, units: 3, layerUnits: 3, unitStep: 1, label: 0, spikes: [0, 0, 1, 1, 2, 2] }), 'Input spikes');
    expect(raster).toContain('>after epoch 1<');
    expect(raster).toContain('>time step<');
    const compare = svg(compareAccuracyOption([{ label: 'a #1', metrics: { runId: 1, batches: [], epochs: [epochPoint(1)] } }]), 'Compare');
    expect(compare).toContain('>a #1<');
  });

  it('swaps the double quotes of font lists for single ones, leaving data and other text alone', () => {
    const option = { textStyle: { fontFamily: 'system-ui, "Segoe UI"' }, title: [{ text: 'say "hi"', textStyle: { fontFamily: '"SF Mono"' } }], series: [{ data: [['"x"', 1]] }] };
    expect(singleQuotedFonts(option)).toEqual({
      textStyle: { fontFamily: "system-ui, 'Segoe UI'" }, title: [{ text: 'say "hi"', textStyle: { fontFamily: "'SF Mono'" } }], series: [{ data: [['"x"', 1]] }],
    });
  });

  it('writes well-formed XML, names with <, & and quotes included', () => {
    const runs = [{ label: 'a <b> & "c" #1', metrics: { runId: 1, batches: [], epochs: [epochPoint(1), epochPoint(2)] } }];
    const text = svg(compareAccuracyOption(runs), 'Test accuracy per epoch');
    expect(text.startsWith('<svg')).toBe(true);
    expect(xmlTexts(text)).toEqual(expect.arrayContaining(['Test accuracy per epoch', 'run 3', 'epoch', 'test accuracy', 'a <b> & "c" #1']));
    // What ECharts writes for an unescaped font list, which the reader must refuse.
    expect(() => xmlTexts('<svg><text style="font-family:"Segoe UI"">x</text></svg>')).toThrow(/not well-formed/);
  });
});
