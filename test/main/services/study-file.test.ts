import { describe, expect, it } from 'vitest';
import type { StudyFile } from '../../../main/contract';
import { AXES, CONFIRM_ABOVE, expandStudy, MAX_STUDY_RUNS, parseStudyFile, studySize } from '../../../main/services/study-file';
import { engineError } from '../../helpers/errors';

/** The issue's own example. */
const WIDTHS = {
  name: 'widths',
  base: { preset: 'mlp-400', epochs: 1, limit: 4000, testLimit: 500, T: 8, seed: 5 },
  axes: { 'surrogate.width': [0.5, 2.5], grad: ['stbp', 'sdbp'] },
};

describe('parseStudyFile', () => {
  it('reads the issue example as it is', () => {
    expect(parseStudyFile(WIDTHS, 'widths.json')).toEqual(WIDTHS);
  });

  it('takes every field a study file may have', () => {
    const file = {
      ...WIDTHS, description: 'd', lists: { tau: [0.1, 0.2], vth: [1, 2] }, seeds: 3, lastEpochs: 2,
      paper: { note: 'n', results: [{ where: { grad: 'stbp' }, mean: 0.98, interval: [0.97, 0.99], source: 'Table VII' }] }, recipe: { name: 'r', scale: 'quick' },
    };
    expect(parseStudyFile(file, 'f')).toEqual(file);
  });

  it.each<[string, unknown, string]>([
    ['a file that is not an object', [1], 'f is [1]; allowed: a study object'],
    ['an unknown field', { ...WIDTHS, grid: {} }, 'f has unknown field(s) "grid"; allowed: name, description, base,'],
    ['no name', { ...WIDTHS, name: ' ' }, 'f.name is " "; allowed: a non-empty string'],
    ['no base', { name: 'x', axes: WIDTHS.axes }, 'f.base is missing; allowed: the options of stbp train'],
    ['an unknown base option', { ...WIDTHS, base: { preset: 'mlp-400', epoch: 3 } }, 'f.base.epoch is not an option of stbp train; allowed: preset, fromModel, epochs,'],
    ['a base option of the wrong kind', { ...WIDTHS, base: { preset: 'mlp-400', epochs: '3' } }, 'f.base.epochs is "3"; allowed: an integer'],
    ['an axis over an unknown setting', { ...WIDTHS, axes: { 'surrogate.height': [1] } }, 'f.axes names the unknown setting "surrogate.height"; allowed: surrogate.name, surrogate.width, tau, vth, T, grad'],
    ['an empty axis', { ...WIDTHS, axes: { T: [] } }, 'f.axes.T is []; allowed: a non-empty list of values (time steps)'],
    ['an axis value of the wrong kind', { ...WIDTHS, axes: { T: [8, 8.5] } }, 'f.axes.T[1] is 8.5; allowed: an integer'],
    ['a value twice', { ...WIDTHS, axes: { grad: ['stbp', 'stbp'] } }, 'f.axes.grad has "stbp" twice; allowed: each value once'],
    ['an empty grid', { name: 'x', base: { preset: 'mlp-400' }, axes: {} }, 'f has an empty grid: no axes, no lists and one seed make a single run'],
    ['lists of different lengths', { ...WIDTHS, lists: { tau: [0.1, 0.2], vth: [1] } }, 'f.lists have different lengths (tau: 2, vth: 1)'],
    ['a setting in axes and lists', { ...WIDTHS, lists: { grad: ['stbp'] } }, 'f: "grad" is both in axes and in lists'],
    ['seeds with a seed axis', { ...WIDTHS, axes: { seed: [1, 2] }, seeds: 2 }, '"seeds" is 2 and "seed" is an axis'],
    ['seeds out of range', { ...WIDTHS, seeds: 0 }, 'f.seeds is 0; allowed: an integer from 1 to 1000'],
    ['a paper result that is not a fraction', { ...WIDTHS, paper: { results: [{ where: {}, mean: 98.4, source: 's' }] } }, 'f.paper.results[0] is'],
    ['a paper interval upside down', { ...WIDTHS, paper: { results: [{ where: {}, mean: 0.9, interval: [0.99, 0.9], source: 's' }] } }, 'f.paper.results[0].interval is [0.99,0.9]'],
    ['an unknown scale', { ...WIDTHS, recipe: { name: 'r', scale: 'huge' } }, 'f.recipe is {"name":"r","scale":"huge"}; allowed:'],
  ])('refuses %s, naming it', (_, file, message) => {
    const error = engineError(() => parseStudyFile(file, 'f'));
    expect(error.message).toContain(message);
  });

  it('knows an axis for every setting the issue lists', () => {
    const paths = AXES.map((a) => a.path);
    for (const p of ['surrogate.name', 'surrogate.width', 'tau', 'vth', 'T', 'grad', 'lr', 'batch', 'hidden', 'seed']) expect(paths).toContain(p);
  });
});

describe('expandStudy', () => {
  it('crosses the grid, first axis slowest, each cell the base with its values and its own name', () => {
    const cells = expandStudy(parseStudyFile(WIDTHS, 'f'));
    expect(cells.map((c) => c.values)).toEqual([
      { 'surrogate.width': 0.5, grad: 'stbp' }, { 'surrogate.width': 0.5, grad: 'sdbp' },
      { 'surrogate.width': 2.5, grad: 'stbp' }, { 'surrogate.width': 2.5, grad: 'sdbp' },
    ]);
    expect(cells.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    expect(cells[1]!.request).toEqual({ ...WIDTHS.base, surrogateWidth: 0.5, grad: 'sdbp', seed: 5, name: 'widths: surrogate.width=0.5, grad=sdbp, seed 5' });
    expect(cells[1]!.label).toBe('surrogate.width=0.5, grad=sdbp, seed 5');
  });

  it('crosses grid × lists × seeds, seed repeats outermost, lists zipped', () => {
    const file: StudyFile = { name: 's', base: { preset: 'mlp-400' }, axes: { T: [8, 16] }, lists: { tau: [0.1, 0.2], vth: [1, 2] }, seeds: 3 };
    const cells = expandStudy(file);
    expect(cells).toHaveLength(studySize(file));
    expect(cells).toHaveLength(2 * 2 * 3);
    expect(cells.map((c) => [c.values.T, c.values.tau, c.values.vth, c.seed])).toEqual([
      [8, 0.1, 1, 1], [8, 0.2, 2, 1], [16, 0.1, 1, 1], [16, 0.2, 2, 1],
      [8, 0.1, 1, 2], [8, 0.2, 2, 2], [16, 0.1, 1, 2], [16, 0.2, 2, 2],
      [8, 0.1, 1, 3], [8, 0.2, 2, 3], [16, 0.1, 1, 3], [16, 0.2, 2, 3],
    ]);
    expect(cells[5]!.request).toMatchObject({ T: 8, tau: 0.2, vth: 2, seed: 2 });
  });

  it('repeats a study of seeds alone, and takes a seed axis as the seeds', () => {
    expect(expandStudy({ name: 's', base: { preset: 'mlp-400', seed: 7 }, seeds: 3 }).map((c) => c.seed)).toEqual([7, 8, 9]);
    const seeded = expandStudy({ name: 's', base: { preset: 'mlp-400' }, axes: { seed: [3, 11] } });
    expect(seeded.map((c) => [c.seed, c.request.seed, c.label])).toEqual([[3, 3, 'seed 3'], [11, 11, 'seed 11']]);
  });

  it('refuses a study larger than the confirmed number before expanding it, saying how to confirm', () => {
    const big: StudyFile = { name: 'big', base: { preset: 'mlp-400' }, axes: { T: [1, 2, 3, 4, 5, 6, 7, 8, 9] }, seeds: 4 };
    expect(engineError(() => expandStudy(big)).message).toBe(
      `study "big" has 36 runs (9 T × 4 seeds); allowed: at most ${CONFIRM_ABOVE} runs unless confirmed: pass --max-runs 36 (or confirm in the app)`,
    );
    expect(expandStudy(big, 36)).toHaveLength(36);
    expect(engineError(() => expandStudy(big, 35)).message).toContain('pass --max-runs 36');
    const huge: StudyFile = { name: 'huge', base: { preset: 'mlp-400' }, axes: { T: Array.from({ length: 1000 }, (_, i) => i + 1) }, seeds: 11 };
    expect(engineError(() => expandStudy(huge, 1e9)).message).toContain(`allowed: at most ${MAX_STUDY_RUNS} runs`);
  });
});
