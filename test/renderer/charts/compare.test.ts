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
    const option = compareAccuracyOption(runs);
    const series = seriesOf(option);
    expect(series.map((s) => s.name)).toEqual(['a #1', 'b #2', 'loading #3']);
    expect(series[1]!.data).toEqual([[1, 0.8], [3, 0.95]]);
    expect(series[2]!.data).toEqual([]);
    expect((series[1] as { itemStyle: { color: string } }).itemStyle.color).toBe(colorAt(1));
    expect(axes(option, 'xAxis')[0]).toMatchObject({ min: 1, max: 3 });
    expect(countPoints(option)).toBe(3);
  });

  it('overlays smoothed loss per step', () => {
    const option = compareLossOption(runs, 0.5);
    const first = seriesOf(option)[0]!.data as number[][];
    expect(first.map((p) => p[0])).toEqual([1, 2]);
    expect(first.map((p) => p[1])).toEqual(smooth([1, 0.5], 0.5));
    expect(countPoints(compareLossOption([]))).toBe(0);
  });
});
