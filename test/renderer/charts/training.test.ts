import { describe, expect, it } from 'vitest';
import { countPoints } from '../../../renderer/src/charts/points';
import { smooth } from '../../../renderer/src/charts/smooth';
import { accuracyOption, lossOption, ratesOption, runningAccuracy } from '../../../renderer/src/charts/training';
import { batchPoint, epochPoint } from '../helpers/test-host';
import { axes, seriesOf } from './helpers';

describe('smoothing', () => {
  it('weight 0 is the identity; the first value is not pulled towards 0 (bias corrected)', () => {
    expect(smooth([3, 1, 2], 0)).toEqual([3, 1, 2]);
    const s = smooth([3, 3, 3], 0.9);
    s.forEach((v) => expect(v).toBeCloseTo(3, 12));
  });

  it('is an exponential moving average', () => {
    const [a, b] = smooth([1, 0], 0.5);
    expect(a).toBeCloseTo(1);
    // (0.5·0.5·1 + 0.5·0) / (1 − 0.25) = 1/3
    expect(b).toBeCloseTo(1 / 3, 12);
  });

  it('lets non-finite values through without poisoning later points', () => {
    const s = smooth([1, Number.NaN, 1], 0.5);
    expect(Number.isNaN(s[1])).toBe(true);
    expect(s[2]).toBeCloseTo(1);
    expect(smooth([], 0.9)).toEqual([]);
  });
});

describe('loss chart', () => {
  it('plots raw loss per batch and a smoothed line over the same batches, on an axis named "batch"', () => {
    const batches = [batchPoint(1, { loss: 0.5 }), batchPoint(2, { loss: 0.3 }), batchPoint(3, { loss: 0.4 })];
    const option = lossOption(batches, 0.6);
    const [raw, smoothed] = seriesOf(option);
    expect(raw!.data).toEqual([[1, 0.5], [2, 0.3], [3, 0.4]]);
    expect((smoothed!.data as number[][]).map((p) => p[0])).toEqual([1, 2, 3]);
    expect((smoothed!.data as number[][]).map((p) => p[1])).toEqual(smooth([0.5, 0.3, 0.4], 0.6));
    expect(axes(option, 'xAxis')[0]).toMatchObject({ type: 'value', name: 'batch' });
    expect(countPoints(option)).toBe(6);
  });

  it('is empty but well-formed without batches', () => {
    const option = lossOption([]);
    expect(seriesOf(option).map((s) => s.data)).toEqual([[], []]);
    expect(countPoints(option)).toBe(0);
  });
});

describe('accuracy chart', () => {
  it('plots train and test accuracy by epoch on a 0–1 axis', () => {
    const option = accuracyOption([epochPoint(1, { trainAccuracy: 0.8, testAccuracy: 0.85 }), epochPoint(2, { trainAccuracy: 0.9, testAccuracy: 0.93 })]);
    const [running, train, test] = seriesOf(option);
    expect(running).toMatchObject({ name: 'train (running)', data: [] });
    expect(train).toMatchObject({ name: 'train', data: [[1, 0.8], [2, 0.9]] });
    expect(test).toMatchObject({ name: 'test', data: [[1, 0.85], [2, 0.93]] });
    expect(axes(option, 'yAxis')[0]).toMatchObject({ min: 0, max: 1 });
    expect(axes(option, 'xAxis')[0]).toMatchObject({ name: 'epoch', minInterval: 1, min: 1, max: 2 });
    expect(axes(accuracyOption([epochPoint(1)], 20), 'xAxis')[0]).toMatchObject({ min: 1, max: 20 });
    expect(countPoints(accuracyOption([]))).toBe(0);
  });

  it('adds the running train accuracy of every batch, restarting each epoch, at fractional epochs', () => {
    // Epoch 1 of 4 batches (the last one half-size), then 2 batches of epoch 2.
    const batches = [
      batchPoint(1, { epoch: 1, batch: 1, accuracy: 0.5 }), batchPoint(2, { epoch: 1, batch: 2, accuracy: 1 }), batchPoint(3, { epoch: 1, batch: 3, accuracy: 0 }),
      batchPoint(4, { epoch: 1, batch: 4, accuracy: 1 }), batchPoint(5, { epoch: 2, batch: 1, accuracy: 0.25 }), batchPoint(6, { epoch: 2, batch: 2, accuracy: 0.75 }),
    ];
    const sizes = (b: { epoch: number; batch: number }) => (b.batch === 4 ? 5 : 10);
    expect(runningAccuracy(batches, 4, sizes)).toEqual([[0.25, 0.5], [0.5, 0.75], [0.75, 0.5], [1, 20 / 35], [1.25, 0.25], [1.5, 0.5]]);
    expect(runningAccuracy(batches, 0)).toEqual([]);
    const option = accuracyOption([epochPoint(1)], 3, runningAccuracy(batches, 4));
    expect(axes(option, 'xAxis')[0]).toMatchObject({ min: 0, max: 3 });
    expect(countPoints(option)).toBe(6 + 1 + 1);
  });
});

describe('firing-rate chart', () => {
  it('draws one line per LIF layer, named after it', () => {
    const batches = [batchPoint(1, { firingRates: [0.1, 0.3] }), batchPoint(2, { firingRates: [0.2, 0.1] })];
    const option = ratesOption(batches, ['1 dense 800', '2 output 10'], 0);
    const series = seriesOf(option);
    expect(series.map((s) => s.name)).toEqual(['1 dense 800', '2 output 10']);
    expect(series[0]!.data).toEqual([[1, 0.1], [2, 0.2]]);
    expect(series[1]!.data).toEqual([[1, 0.3], [2, 0.1]]);
    expect(axes(option, 'yAxis')[0]).toMatchObject({ min: 0, name: 'spikes / neuron / time step' });
    expect(axes(option, 'xAxis')[0]).toMatchObject({ name: 'batch' });
  });

  it('names layers it was not told about, and has a placeholder series when empty', () => {
    expect(seriesOf(ratesOption([batchPoint(1, { firingRates: [0.1, 0.2, 0.3] })], ['a'])).map((s) => s.name)).toEqual(['a', 'layer 2', 'layer 3']);
    const empty = ratesOption([], []);
    expect(seriesOf(empty)).toHaveLength(1);
    expect(countPoints(empty)).toBe(0);
  });
});
