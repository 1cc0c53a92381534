import { describe, expect, it } from 'vitest';
import type { RasterProbe } from '../../../main/contract';
import { confusionOption } from '../../../renderer/src/charts/confusion';
import { membraneOption } from '../../../renderer/src/charts/membrane';
import { countPoints } from '../../../renderer/src/charts/points';
import { encodingOption, rasterOption, spikePairs } from '../../../renderer/src/charts/raster';
import { THRESHOLD_COLOR } from '../../../renderer/src/charts/palette';
import { axes, seriesOf } from './helpers';

const raster = (epoch: number, spikes: number[], units = 10, unitStep = 1): RasterProbe => ({ epoch, layer: 2, steps: 8, units, layerUnits: units * unitStep, unitStep, label: 3, spikes });

describe('spike raster', () => {
  it('turns the flat (step, unit) list into points', () => {
    expect(spikePairs([0, 3, 1, 4, 7, 9])).toEqual([[0, 3], [1, 4], [7, 9]]);
    expect(spikePairs([])).toEqual([]);
  });

  it('shows before training and after the latest epoch side by side, each on its own axes', () => {
    const option = rasterOption(raster(0, [0, 1, 2, 2]), raster(3, [1, 1, 1, 2, 5, 7]));
    const series = seriesOf(option);
    expect(series.map((s) => [s.name, s.xAxisIndex, (s.data as unknown[]).length])).toEqual([
      ['before training', 0, 2],
      ['after epoch 3', 1, 3],
    ]);
    expect(axes(option, 'xAxis').map((a) => [a.min, a.max])).toEqual([[-0.5, 7.5], [-0.5, 7.5]]);
    expect(axes(option, 'yAxis')[0]).toMatchObject({ min: -0.5, max: 9.5, inverse: true });
    expect(countPoints(option)).toBe(5);
  });

  it('shows one panel when only one side exists, or when "after" is the same epoch as "before"', () => {
    expect(seriesOf(rasterOption(raster(0, [0, 1]), null)).map((s) => s.name)).toEqual(['before training']);
    expect(seriesOf(rasterOption(raster(0, [0, 1]), raster(0, [0, 1]))).map((s) => s.name)).toEqual(['before training']);
    expect(seriesOf(rasterOption(null, raster(2, []))).map((s) => s.name)).toEqual(['after epoch 2']);
  });

  it('names a moment within an epoch, labels the axes "time step" and "unit", and numbers a sampled layer\'s units as the layer does', () => {
    const option = rasterOption(raster(0, [0, 1]), raster(3, [1, 1]), 'epoch 3, batch 166 (live)');
    expect(seriesOf(option).map((s) => s.name)).toEqual(['before training', 'epoch 3, batch 166 (live)']);
    expect(axes(option, 'xAxis')[0]).toMatchObject({ name: 'time step' });
    expect(axes(option, 'yAxis')[0]).toMatchObject({ name: 'unit' });
    const sampled = rasterOption(null, raster(1, [0, 5], 960, 9));
    const y = axes(sampled, 'yAxis')[0]!;
    expect(y.name).toBe('unit (every 9)');
    expect((y.axisLabel as { formatter: (v: number) => string }).formatter(100)).toBe('900');
  });

  it('is empty with a message when there is no probe', () => {
    const option = rasterOption(undefined, undefined);
    expect(countPoints(option)).toBe(0);
    expect(option.title).toMatchObject({ text: 'No probe yet' });
  });

  it('plots a sample encoding', () => {
    const option = encodingOption({ sample: { index: 0, label: 1, className: '1', width: 1, height: 1, rgba: '' }, steps: 30, units: 784, spikes: [0, 10, 29, 783] });
    expect(countPoints(option)).toBe(2);
    expect(axes(option, 'xAxis')[0]).toMatchObject({ max: 29.5 });
    expect(axes(option, 'yAxis')[0]).toMatchObject({ max: 783.5 });
    expect(countPoints(encodingOption(null))).toBe(0);
  });
});

describe('membrane traces', () => {
  const probe = { epoch: 1, layer: 1, steps: 3, vth: 1.5, peak: 1.6, unitStep: 1, traces: [[0.2, 1.6, 0.1], [0, 0.5, 1.0]] };

  it('plots u[t] per unit over steps 0..T-1, the step axis of the rasters beside it', () => {
    const option = membraneOption(probe);
    const series = seriesOf(option);
    expect(series[0]).toMatchObject({ name: 'unit 0', data: [[0, 0.2], [1, 1.6], [2, 0.1]] });
    expect(axes(option, 'xAxis')[0]).toMatchObject({ min: 0, max: 2, name: 'time step' });
    expect(series[1]!.data).toHaveLength(3);
    expect(seriesOf(membraneOption({ ...probe, unitStep: 9 }))[1]!.name).toBe('unit 9'); // trace k is unit k·9 of a sampled layer
  });

  it('draws the threshold Vth as a line, on the axis even when no trace reaches it', () => {
    const option = membraneOption({ ...probe, vth: 3, traces: [[0, 0.1]] });
    const threshold = seriesOf(option).find((s) => s.name === 'Vth')!;
    expect(threshold.markLine!.data).toEqual([{ yAxis: 3 }]);
    expect((threshold as { markLine: { lineStyle: { color: string } } }).markLine.lineStyle.color).toBe(THRESHOLD_COLOR);
    expect(axes(option, 'yAxis')[0]!.max as number).toBeGreaterThanOrEqual(3);
    expect(countPoints(option)).toBe(2);
  });

  it('limits the number of traces and says when there is no probe', () => {
    const many = { ...probe, traces: Array.from({ length: 20 }, () => [0, 1, 0]) };
    expect(seriesOf(membraneOption(many, 5)).filter((s) => s.name !== 'Vth')).toHaveLength(5);
    const none = membraneOption(null);
    expect(seriesOf(none)).toEqual([]);
    expect(none.title).toMatchObject({ text: expect.stringMatching(/No membrane/) });
  });
});

describe('confusion heatmap', () => {
  it('puts counts[truth·C + predicted] at (predicted, truth) with the colour range 0..max', () => {
    const option = confusionOption({ epoch: 2, classes: 3, counts: [5, 1, 0, 2, 7, 0, 0, 0, 9] }, ['a', 'b', 'c']);
    const data = (seriesOf(option)[0]!.data as { value: [number, number, number] }[]).map((d) => d.value);
    expect(data).toHaveLength(9);
    expect(data).toContainEqual([1, 0, 1]); // truth a predicted b
    expect(data).toContainEqual([0, 1, 2]); // truth b predicted a
    expect(data).toContainEqual([2, 2, 9]);
    expect(option.visualMap).toMatchObject({ min: 0, max: 9 });
    expect(axes(option, 'xAxis')[0]).toMatchObject({ data: ['a', 'b', 'c'], name: 'predicted' });
    expect(axes(option, 'yAxis')[0]).toMatchObject({ name: 'truth', inverse: true });
  });

  it('prints counts white on dark cells and in the page\'s text colour on pale ones, in either theme', () => {
    const colors = (theme: 'light' | 'dark') => (seriesOf(confusionOption({ epoch: 1, classes: 2, counts: [10, 1, 0, 4] }, [], theme))[0]!.data as { value: number[]; label: { color: string } }[]).map((d) => [d.value[2], d.label.color]);
    expect(colors('light')).toEqual([[10, '#ffffff'], [1, '#0f172a'], [0, '#0f172a'], [4, '#ffffff']]);
    expect(colors('dark')).toEqual([[10, '#ffffff'], [1, '#e2e8f0'], [0, '#e2e8f0'], [4, '#ffffff']]);
  });

  it('keeps a usable colour range when every count is 0, and is empty without a probe', () => {
    expect(confusionOption({ epoch: 1, classes: 2, counts: [0, 0, 0, 0] }).visualMap).toMatchObject({ min: 0, max: 1 });
    const none = confusionOption(null);
    expect(countPoints(none)).toBe(0);
    expect(axes(none, 'xAxis')[0]).toMatchObject({ data: [] });
  });
});
