import { beforeAll, describe, expect, it } from 'vitest';
import type { StudyFile } from '../../../main/contract';
import { createStudyFromFile, planStudy, studySummary, unfinishedRuns, updateStudyFromFile } from '../../../main/services/studies';
import { listRecipes, loadRecipe, studyFromArgument } from '../../../main/services/study-recipes';
import { prepareRun } from '../../../main/services/train-request';
import { ensureMnist } from '../../../main/services/datasets';
import type { Store } from '../../../main/store/db';
import { listQueue } from '../../../main/store/queue';
import { getRun, listRuns, setRunStatus } from '../../../main/store/runs';
import { recordEpochMetrics } from '../../../main/store/metrics';
import { expectEngineError } from '../../helpers/errors';
import { useFileTemps } from './temp';

const { tempStore } = useFileTemps();
let store: Store;
beforeAll(async () => {
  store = tempStore();
  await ensureMnist(store);
});

const widths: StudyFile = {
  name: 'widths',
  base: { preset: 'mlp-400', epochs: 1, limit: 4000, testLimit: 500, T: 8, seed: 5 },
  axes: { 'surrogate.width': [0.5, 2.5], grad: ['stbp', 'sdbp'] },
};

describe('planStudy', () => {
  it('plans every cell as exactly the run stbp train records for the same options', async () => {
    const plan = await planStudy(store, widths);
    expect(plan.cells).toHaveLength(4);
    const direct = await prepareRun(store, { ...widths.base, surrogateWidth: 2.5, grad: 'sdbp', name: 'widths: surrogate.width=2.5, grad=sdbp, seed 5' });
    expect(plan.cells[3]!.run).toEqual(direct.run);
    expect(direct.run.spec).toMatchObject({ neuron: { surrogate: { name: 'rectangular', width: 2.5 } } });
    expect(direct.run.hyper).toMatchObject({ grad: 'sdbp', steps: 8, epochs: 1, limit: 4000, testLimit: 500 });
  });

  it('plans every recipe at both scales', async () => {
    const recipes = await listRecipes();
    expect(recipes.map((r) => r.name)).toEqual(['rectangle-width', 'stbp-vs-sdbp', 'surrogate-shapes', 't-sweep']);
    for (const recipe of recipes) {
      for (const file of Object.values(recipe.scales)) expect((await planStudy(store, file)).cells.length, file.name).toBeGreaterThan(1);
    }
    const widthsQuick = (await loadRecipe('rectangle-width')).scales.quick;
    expect(widthsQuick).toMatchObject({ name: 'rectangle-width-quick', axes: { 'surrogate.width': [0.1, 1, 2.5, 5, 7.5, 10] }, seeds: 2, recipe: { name: 'rectangle-width', scale: 'quick' } });
    const table7 = (await loadRecipe('stbp-vs-sdbp')).scales.paper;
    expect(table7.base).toMatchObject({ preset: 'mlp-400', epochs: 210, T: 30 });
    expect(table7.paper?.results?.map((r) => [r.where.grad, r.mean, r.interval])).toEqual([['stbp', 0.9848, [0.9842, 0.9851]], ['sdbp', 0.9829, [0.9823, 0.9839]]]);
  });

  it.each<[string, StudyFile, string, string]>([
    ['an unknown preset', { ...widths, base: { preset: 'mlp-9' } }, 'unknown-preset', 'unknown preset "mlp-9"'],
    ['no starting point', { ...widths, base: { epochs: 1 } }, 'bad-option', 'study "widths": base needs base.preset <name>'],
    ['a width out of range', { ...widths, axes: { 'surrogate.width': [1, -2] } }, 'bad-spec', 'study "widths", cell 1 (surrogate.width=-2, seed 5): '],
    ['an unknown grad mode', { ...widths, axes: { grad: ['stbp', 'bptt'] } }, 'unknown-gradient mode', 'cell 1 (grad=bptt, seed 5): unknown gradient mode "bptt" (known: stbp, sdbp, detach-reset)'],
    ['a T of 0', { ...widths, axes: { T: [0] } }, 'bad-option', 'cell 0 (T=0, seed 5): steps is 0'],
    ['a network that does not fit the dataset', { ...widths, base: { preset: 'nmnist-800' } }, 'bad-data', 'takes 2312 inputs per sample'],
    ['an unknown dataset', { ...widths, base: { ...widths.base, dataset: 'cifar' } }, 'unknown-dataset', 'cifar'],
    ['more runs than confirmed', { ...widths, seeds: 9 }, 'bad-study', 'has 36 runs'],
  ])('refuses %s before anything is stored', async (_, file, code, message) => {
    const runs = listRuns(store).length;
    await expectEngineError(createStudyFromFile(store, file), code, message);
    expect(listRuns(store)).toHaveLength(runs);
  });
});

describe('studies in the store', () => {
  it('are created queued, summarised, edited keeping trained cells, and resumed', async () => {
    const id = await createStudyFromFile(store, widths);
    const s = studySummary(store, id);
    expect(s).toMatchObject({ name: 'widths', axes: ['surrogate.width', 'grad'], lastEpochs: 1, counts: { total: 4, completed: 0, running: 0, queued: 4, failed: 0 } });
    expect(s.cells.map((c) => c.label)).toEqual(['surrogate.width=0.5, grad=stbp, seed 5', 'surrogate.width=0.5, grad=sdbp, seed 5', 'surrogate.width=2.5, grad=stbp, seed 5', 'surrogate.width=2.5, grad=sdbp, seed 5']);
    expect(getRun(store, s.cells[0]!.runId!)?.name).toBe('widths: surrogate.width=0.5, grad=stbp, seed 5');

    // The first cell trained (as its process would record it).
    const first = s.cells[0]!.runId!;
    setRunStatus(store, first, 'running');
    recordEpochMetrics(store, first, { epoch: 1, step: 40, values: { epoch: 1, testAccuracy: 0.9, trainAccuracy: 0.8, trainLoss: 0.1 } });
    setRunStatus(store, first, 'completed');
    expect(studySummary(store, id).groups[0]).toMatchObject({ completed: 1, mean: 0.9, min: 0.9, max: 0.9 });

    // Edited: a third width; the grad axis reordered. The same runs stay with their cells.
    const edited: StudyFile = { ...widths, axes: { 'surrogate.width': [0.5, 2.5, 5], grad: ['sdbp', 'stbp'] } };
    const changes = await updateStudyFromFile(store, id, edited);
    expect(changes).toMatchObject({ deleted: [], detached: [] });
    expect(changes.created).toHaveLength(2);
    const after = studySummary(store, id);
    expect(after.cells.find((c) => c.runId === first)?.label).toBe('surrogate.width=0.5, grad=stbp, seed 5');
    expect(after.cells).toHaveLength(6);
    expect(listQueue(store).map((q) => q.runId)).toEqual(expect.arrayContaining(changes.created));

    // Cut back to one width: runs of dropped cells that never started are deleted.
    const cut = await updateStudyFromFile(store, id, { ...widths, axes: { 'surrogate.width': [0.5], grad: ['stbp', 'sdbp'] } });
    expect(cut.deleted).toHaveLength(4);
    expect(studySummary(store, id).cells.map((c) => c.status)).toEqual(['completed', 'created']);
    expect(unfinishedRuns(store, id)).toEqual([studySummary(store, id).cells[1]!.runId]);
  });

  it('reads a study from a file or a recipe name', async () => {
    await expectEngineError(studyFromArgument('no-such-recipe', undefined), 'unknown-recipe', 'unknown study recipe "no-such-recipe" (known: rectangle-width, stbp-vs-sdbp, surrogate-shapes, t-sweep');
    await expectEngineError(studyFromArgument('t-sweep', 'huge'), 'bad-option', '--scale is "huge"; allowed: quick, paper');
    await expectEngineError(studyFromArgument('/nonexistent/x.json', undefined), 'bad-study', 'study file /nonexistent/x.json cannot be read');
    expect((await studyFromArgument('t-sweep', 'paper')).name).toBe('t-sweep-paper');
  });
});
