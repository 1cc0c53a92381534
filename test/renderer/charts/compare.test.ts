import { describe, expect, it } from 'vitest';
import { compareAccuracyOption, compareLossOption } from '../../../renderer/src/charts/compare';
import { colorAt } from '../../../renderer/src/charts/palette';
import { countPoints } from '../../../renderer/src/charts/points';
import { smooth } from '../../../renderer/src/charts/smooth';
import { batchPoint, epochPoint } from '../helpers/test-host';
import { axes, seriesOf } from './helpers';

describe('compare charts', () => {
  const runs = [
    { label: 'a #1', metrics: { runId: 1, batches: [batchPoint(1, { loss: 1 }), batchPoint(2, { loss: 0.5 })], epochs: [epochPoint(1, { testAccuracy: 0.9 })] } },
    { label: 'b #2', metrics: { runId: 2, batches: [], epochs: [epochPoint(1, { testAccuracy: 0.8 }), epochPoint(3, { testAccuracy: 0.95 })] } },
    { label: 'loading #3', metrics: undefined },
  ];

  it('overlays test accuracy per epoch, one coloured line per run', () => {
    const option = compareAccuracyOption(runs, 'epoch');
    const series = seriesOf(option);
    expect(series.map((s) => s.name)).toEqual(['a #1', 'b #2', 'loading #3']);
    expect(series[1]!.data).toEqual([[1, 0.8], [3, 0.95]]);
    expect(series[2]!.data).toEqual([]);
    expect((series[1] as { itemStyle: { color: string } }).itemStyle.color).toBe(colorAt(1));
    expect(axes(option, 'xAxis')[0]).toMatchObject({ min: 1, max: 3 });
    expect(countPoints(option)).toBe(3);
  });

  it('overlays smoothed loss per batch, at fractional epochs', () => {
    const option = compareLossOption(runs.map((r) => ({ ...r, batchesPerEpoch: 4 })), 0.5);
    const first = seriesOf(option)[0]!.data as number[][];
    expect(first.map((p) => p[0])).toEqual([0.25, 0.5]);
    expect(first.map((p) => p[1])).toEqual(smooth([1, 0.5], 0.5));
    expect(axes(option, 'xAxis')[0]).toMatchObject({ name: 'epoch' });
    expect(countPoints(compareLossOption([]))).toBe(0);
  });

  it('aligns runs of different sizes by samples seen or training time', () => {
    // Run a: 1,000 samples an epoch in batches of 250; run b: 60,000 in batches of 100.
    const a = { label: 'a', samplesPerEpoch: 1000, batchesPerEpoch: 4, batchSize: 250, metrics: {
      runId: 1, batches: [batchPoint(1, { epoch: 1, batch: 1 }), batchPoint(5, { epoch: 2, batch: 1 })],
      epochs: [epochPoint(1, { seconds: 2, testAccuracy: 0.5 }), epochPoint(2, { seconds: 3, testAccuracy: 0.6 })],
    } };
    const b = { label: 'b', samplesPerEpoch: 60000, batchesPerEpoch: 600, batchSize: 100, metrics: {
      runId: 2, batches: [batchPoint(300, { epoch: 1, batch: 300 })], epochs: [epochPoint(1, { seconds: 40, testAccuracy: 0.9 })],
    } };
    const bySamples = compareAccuracyOption([a, b], 'samples');
    expect(seriesOf(bySamples).map((s) => s.data)).toEqual([[[1000, 0.5], [2000, 0.6]], [[60000, 0.9]]]);
    expect(axes(bySamples, 'xAxis')[0]).toMatchObject({ name: 'training samples seen', min: 0 });
    expect(seriesOf(compareAccuracyOption([a, b], 'time')).map((s) => s.data)).toEqual([[[2, 0.5], [5, 0.6]], [[40, 0.9]]]);
    const loss = (align: 'samples' | 'time') => seriesOf(compareLossOption([a, b], 0, align)).map((s) => (s.data as number[][]).map((p) => p[0]));
    expect(loss('samples')).toEqual([[250, 1250], [30000]]);
    expect(loss('time')).toEqual([[0.5, 2.75], [20]]); // a batch at its epoch's pace
    expect(seriesOf(compareAccuracyOption([{ label: 'no size', metrics: a.metrics }], 'samples'))[0]!.data).toEqual([]);
    // Stopped at batch 150 of epoch 2, its last weights evaluated: the line ends there.
    const stopped = { ...b, stop: { epoch: 2, batch: 150, batches: 600, testAccuracy: 0.93, evaluatedAtStop: true } };
    expect(seriesOf(compareAccuracyOption([stopped], 'epoch'))[0]!.data).toEqual([[1, 0.9], [1.25, 0.93]]);
    expect(seriesOf(compareAccuracyOption([stopped], 'samples'))[0]!.data).toEqual([[60000, 0.9], [75000, 0.93]]);
  });
});
