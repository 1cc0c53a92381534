import { describe, expect, it } from 'vitest';
import type { ModelEvaluation } from '../../../main/contract';
import { confusionOption } from '../../../renderer/src/charts/confusion';
import {
  classLabels, countsOption, evaluationConfusion, outputRasterOption, perClassOption, spikePairsOf, unitTrace, winnerTraceOption,
} from '../../../renderer/src/charts/inference';
import { colorAt, MUTED, THRESHOLD_COLOR } from '../../../renderer/src/charts/palette';
import { countPoints } from '../../../renderer/src/charts/points';
import { axes, seriesOf } from './helpers';

type Bar = { value: number | string; itemStyle: { color: string } };

const evaluation: ModelEvaluation = {
  modelId: 1, datasetId: 2, split: 'test', samples: 5, accuracy: 0.6, classes: 3, confusion: [2, 0, 0, 1, 1, 0, 0, 1, 0], perClass: [1, 0.5, 0],
  seed: 1, backend: 'wasm', seconds: 1,
};

describe('"Try it" charts', () => {
  it('names classes, by index where the model has no name', () => {
    expect(classLabels(3, ['cat', 'dog'])).toEqual(['cat', 'dog', '2']);
  });

  it('draws one bar per output neuron, the predicted one highlighted', () => {
    const option = countsOption([0, 7, 3], ['zero', 'one', 'two'], 1);
    const [series] = seriesOf(option);
    expect(series!.type).toBe('bar');
    const bars = series!.data as Bar[];
    expect(bars.map((b) => b.value)).toEqual([0, 7, 3]);
    expect(bars.map((b) => b.itemStyle.color)).toEqual([MUTED, colorAt(0), MUTED]);
    expect(axes(option, 'xAxis')[0]).toMatchObject({ type: 'category', data: ['zero', 'one', 'two'] });
    expect(axes(option, 'yAxis')[0]).toMatchObject({ name: 'output spikes', minInterval: 1 });
    expect(countPoints(option)).toBe(3);
  });

  it('labels a twin\'s bars as scores, and is empty with a hint before any input', () => {
    const twin = countsOption([0.12345, 2], [], 1, true);
    expect((seriesOf(twin)[0]!.data as Bar[]).map((b) => b.value)).toEqual([0.123, 2]);
    expect(axes(twin, 'yAxis')[0]).toMatchObject({ name: 'score' });
    const empty = countsOption(null, ['a'], null);
    expect(countPoints(empty)).toBe(0);
    expect(empty.title).toMatchObject({ text: 'Draw, drop an image or pick a sample' });
  });

  it('turns [steps, units] spikes into the raster\'s (step, unit) pairs', () => {
    // 3 steps × 2 units: unit 1 fires at step 0, both at step 2.
    const spikes = Uint8Array.of(0, 1, 0, 0, 1, 1);
    expect(spikePairsOf(spikes, 3, 2)).toEqual([0, 1, 2, 0, 2, 1]);
    const option = outputRasterOption(spikes, 3, 2);
    expect(countPoints(option)).toBe(3);
    expect(axes(option, 'xAxis')[0]).toMatchObject({ max: 2.5 });
    expect(axes(option, 'yAxis')[0]).toMatchObject({ max: 1.5 });
    expect(countPoints(outputRasterOption(null, 0, 0))).toBe(0);
  });

  it("plots the winner's membrane potential over the steps with the Vth line, under its name", () => {
    // 3 steps × 2 units, u[t][unit].
    const membrane = Float32Array.of(0.5, 1, 1.25, 0.25, 1.75, 0);
    expect(unitTrace(membrane, 3, 2, 0)).toEqual([0.5, 1.25, 1.75]);
    const option = winnerTraceOption(membrane, 3, 2, 0, 1.5, 'seven (winner)');
    const series = seriesOf(option);
    expect(series.map((s) => s.name)).toEqual(['seven (winner)', 'Vth']);
    expect(series[0]!.data).toEqual([[0, 0.5], [1, 1.25], [2, 1.75]]);
    expect(series[1]!.markLine!.data).toEqual([{ yAxis: 1.5 }]);
    expect((series[1] as { itemStyle?: { color?: string } }).itemStyle?.color).toBe(THRESHOLD_COLOR);
    expect(option.legend).toMatchObject({ data: ['seven (winner)'] });
    expect(countPoints(winnerTraceOption(null, 0, 0, null, null, ''))).toBe(0);
  });
});

describe('evaluation charts', () => {
  it('feeds the monitor\'s confusion chart', () => {
    const probe = evaluationConfusion(evaluation);
    expect(probe).toEqual({ epoch: 0, classes: 3, counts: evaluation.confusion });
    const option = confusionOption(probe, ['a', 'b', 'c']);
    expect((seriesOf(option)[0]!.data as { value: number[] }[]).map((d) => d.value).find((d) => d[0] === 0 && d[1] === 1)).toEqual([0, 1, 1]); // truth b → predicted a
  });

  it('draws accuracy per class in percent, no bar for a class without samples', () => {
    const option = perClassOption({ ...evaluation, perClass: [1, 0.5, null] }, ['a', 'b', 'c']);
    expect((seriesOf(option)[0]!.data as Bar[]).map((b) => b.value)).toEqual([100, 50, '-']);
    expect(axes(option, 'yAxis')[0]).toMatchObject({ name: 'accuracy %', max: 100 });
    expect(countPoints(perClassOption(null, []))).toBe(0);
  });
});
