import { describe, expect, it } from 'vitest';
import type { StudyCell } from '../../../main/contract';
import { defaultLastEpochs, paperFor, sampleStd, summarizeStudy } from '../../../main/services/study-summary';

const cell = (index: number, grad: string, seed: number, testAccuracy: number[], status: StudyCell['status'] = 'completed'): StudyCell => ({
  index, values: { grad }, seed, label: `grad=${grad}, seed ${seed}`, runId: index + 1, status, queued: false, testAccuracy, error: null,
});

describe('summarizeStudy', () => {
  it('pools the last epochs of every completed seed: mean, interval, spread over the seeds (golden values)', () => {
    const cells = [
      cell(0, 'stbp', 1, [0.5, 0.9, 0.92]),
      cell(1, 'sdbp', 1, [0.5, 0.8, 0.82]),
      cell(2, 'stbp', 2, [0.6, 0.94, 0.96]),
      cell(3, 'sdbp', 2, [0.4, 0.7], 'running'),
    ];
    const [stbp, sdbp] = summarizeStudy(cells, 2);
    // stbp pools [0.9, 0.92] and [0.94, 0.96]: mean 0.93; run means 0.91 and 0.95 → std √((0.02² + 0.02²) / 1) = 0.028284…
    expect(stbp).toMatchObject({ values: { grad: 'stbp' }, label: 'grad=stbp', runs: 2, completed: 2, min: 0.9, max: 0.96, paper: null });
    expect(stbp!.mean).toBeCloseTo(0.93, 12);
    expect(stbp!.spread).toBeCloseTo(Math.sqrt(0.0008), 12);
    expect(stbp!.curve.map((x) => +x.toFixed(12))).toEqual([0.55, 0.92, 0.94]);
    // sdbp: one completed run (the running one does not count), so no spread.
    expect(sdbp).toMatchObject({ runs: 2, completed: 1, min: 0.8, max: 0.82, spread: null });
    expect(sdbp!.mean).toBeCloseTo(0.81, 12);
  });

  it('has no figures for a setting whose runs have not completed', () => {
    expect(summarizeStudy([cell(0, 'stbp', 1, [0.3], 'running')], 1)[0]).toMatchObject({ completed: 0, mean: null, spread: null, min: null, max: null, curve: [] });
  });

  it('puts the paper’s result beside the setting it names', () => {
    const paper = { results: [{ where: { grad: 'sdbp' }, mean: 0.9829, interval: [0.9823, 0.9839] as [number, number], source: 'Table VII' }] };
    const groups = summarizeStudy([cell(0, 'stbp', 1, [0.9]), cell(1, 'sdbp', 1, [0.8])], 1, paper);
    expect(groups.map((g) => g.paper?.mean ?? null)).toEqual([null, 0.9829]);
    expect(paperFor({ grad: 'sdbp', T: 8 }, paper)?.source).toBe('Table VII');
    expect(paperFor({ T: 8 }, paper)).toBeNull();
  });
});

describe('helpers', () => {
  it('pools a tenth of the epochs, 1 to 10 (the paper: 10 of 210)', () => {
    expect([1, 5, 10, 11, 20, 100, 210].map(defaultLastEpochs)).toEqual([1, 1, 1, 2, 2, 10, 10]);
  });

  it('takes the sample standard deviation', () => {
    expect(sampleStd([1])).toBeNull();
    expect(sampleStd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
  });
});
