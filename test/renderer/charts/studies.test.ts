import { describe, expect, it } from 'vitest';
import type { StudyCell, StudyGroup, StudySummary } from '../../../main/contract';
import { numericAxes, runMean, studyAgainstOption, studyBarsOption, studyCurvesOption } from '../../../renderer/src/charts/studies';
import { studyCellsCsv, studyFileStem, studySummaryCsv } from '../../../renderer/src/components/studies/study-csv';

const cell = (index: number, width: number, grad: string, seed: number, testAccuracy: number[], status: StudyCell['status'] = 'completed'): StudyCell => ({
  index, values: { 'surrogate.width': width, grad }, seed, label: `w=${width}, ${grad}, seed ${seed}`, runId: index + 1, status, queued: false, testAccuracy, error: null,
});

const group = (width: number, grad: string, mean: number | null, patch: Partial<StudyGroup> = {}): StudyGroup => ({
  values: { 'surrogate.width': width, grad }, label: `surrogate.width=${width}, grad=${grad}`, runs: 2, completed: 2, mean, spread: 0.01,
  min: mean === null ? null : mean - 0.02, max: mean === null ? null : mean + 0.02, curve: [0.5, mean ?? 0.6], paper: null, ...patch,
});

const STUDY: StudySummary = {
  id: 3, name: 'widths / quick', createdAt: '', updatedAt: '',
  file: { name: 'widths', base: { preset: 'mlp-400' }, axes: { 'surrogate.width': [0.5, 2.5], grad: ['stbp', 'sdbp'] }, paper: { results: [{ where: { 'surrogate.width': 2.5, grad: 'stbp' }, mean: 0.9848, interval: [0.9842, 0.9851], source: 'Table VII' }] } },
  axes: ['surrogate.width', 'grad'], lastEpochs: 2,
  cells: [cell(0, 0.5, 'stbp', 1, [0.8, 0.9, 0.92]), cell(1, 0.5, 'sdbp', 1, [0.8, 0.85]), cell(2, 2.5, 'stbp', 1, [0.9, 0.95, 0.97]), cell(3, 2.5, 'sdbp', 1, [0.9], 'running')],
  groups: [
    group(0.5, 'stbp', 0.91), group(0.5, 'sdbp', 0.825),
    group(2.5, 'stbp', 0.96, { paper: { where: { 'surrogate.width': 2.5, grad: 'stbp' }, mean: 0.9848, interval: [0.9842, 0.9851], source: 'Table VII' } }),
    group(2.5, 'sdbp', null, { completed: 0, curve: [] }),
  ],
  counts: { total: 4, completed: 3, running: 1, queued: 0, failed: 0 },
};

type Series = { name: string; type: string; data: unknown[] };
const seriesOf = (option: unknown): Series[] => (option as { series: Series[] }).series;

describe('study figures', () => {
  it('per setting: our mean and interval, the paper’s beside where it gives one (Table VII)', () => {
    const series = seriesOf(studyBarsOption(STUDY));
    expect(series.map((s) => [s.name, s.type])).toEqual([
      ['this study (mean)', 'bar'], ['this study (interval)', 'scatter'], ['paper (mean)', 'bar'], ['paper (interval)', 'scatter'],
    ]);
    expect(series[0]!.data).toEqual([0.91, 0.825, 0.96, null]);
    expect(series[1]!.data).toHaveLength(6); // min and max of the three settings with results
    expect(series[1]!.data[0]).toEqual([0, 0.89]);
    expect(series[2]!.data).toEqual([null, null, 0.9848, null]);
    expect(series[3]!.data).toEqual([[2, 0.9842], [2, 0.9851]]);
    const noPaper = seriesOf(studyBarsOption({ ...STUDY, groups: STUDY.groups.map((g) => ({ ...g, paper: null })) }));
    expect(noPaper.map((s) => s.name)).toEqual(['this study (mean)', 'this study (interval)']);
  });

  it('against a numeric setting (Fig. 6b): one line per other setting, each run as a dot, the paper’s point', () => {
    expect(numericAxes(STUDY)).toEqual(['surrogate.width']);
    const option = studyAgainstOption(STUDY, 'surrogate.width') as { xAxis: { data: string[] } };
    expect(option.xAxis.data).toEqual(['0.5', '2.5']);
    const series = seriesOf(option);
    expect(series.map((s) => s.name)).toEqual(['grad=stbp', 'grad=sdbp', 'grad=stbp (each run)', 'grad=sdbp (each run)', 'paper']);
    expect(series[0]!.data).toEqual([0.91, 0.96]);
    expect(series[1]!.data).toEqual([0.825, null]);
    expect(series[2]!.data).toEqual([['0.5', 0.91], ['2.5', 0.96]]);
    expect(series[4]!.data).toEqual([['2.5', 0.9848]]);
  });

  it('curves per setting (Fig. 6a): the mean test accuracy of each epoch', () => {
    const series = seriesOf(studyCurvesOption(STUDY));
    expect(series.map((s) => s.name)).toEqual(STUDY.groups.map((g) => g.label));
    expect(series[0]!.data).toEqual([[1, 0.5], [2, 0.91]]);
    expect(series[3]!.data).toEqual([]);
  });

  it('takes each completed run’s mean over the last epochs', () => {
    expect(runMean(STUDY.cells[0]!, 2)).toBeCloseTo(0.91, 12);
    expect(runMean(STUDY.cells[3]!, 2)).toBeNull();
  });
});

describe('study CSV', () => {
  it('writes the summary with the paper’s numbers, and every run with its epochs', () => {
    const summary = studySummaryCsv(STUDY).split('\r\n');
    expect(summary[0]).toBe('surrogate.width,grad,runs,completed,mean (last 2 epochs),spread over seeds,min,max,paper mean,paper min,paper max,paper source');
    expect(summary[3]).toBe(`2.5,stbp,2,2,0.96,0.01,${0.96 - 0.02},${0.96 + 0.02},0.9848,0.9842,0.9851,Table VII`);
    expect(summary[4]).toBe('2.5,sdbp,2,0,,0.01,,,,,,');
    const cells = studyCellsCsv(STUDY).split('\r\n');
    expect(cells[0]).toBe('cell,surrogate.width,grad,seed,run,status,mean (last 2 epochs),test accuracy epoch 1,test accuracy epoch 2,test accuracy epoch 3');
    expect(cells[2]).toBe(`2,0.5,sdbp,1,2,completed,${(0.8 + 0.85) / 2},0.8,0.85,`);
    expect(cells[4]).toBe('4,2.5,sdbp,1,4,running,,0.9,,');
    expect(studyFileStem(STUDY)).toBe('study-3-widths-quick');
  });
});
