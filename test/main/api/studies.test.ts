import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../../main/api/validate';
import { createWorkbench, type Workbench } from '../../../main/api/workbench';
import type { StudyFile, WorkbenchApi } from '../../../main/contract';
import type { Store } from '../../../main/store/db';
import { useFileTemps } from '../services/temp';
import { recordEvents, runReaches } from './events';

// The study and queue methods over a temp store, with real training processes on MNIST slices.
const { tempDir, tempStore } = useFileTemps();

let home: string;
let store: Store;
let workbench: Workbench;
let api: WorkbenchApi;

beforeAll(async () => {
  home = tempDir('stbp-studies-api-');
  store = tempStore(home);
  workbench = createWorkbench({ store, mode: 'web' });
  api = workbench.api;
  await api.ensureMnist();
});
afterAll(() => workbench.dispose());

const call = (method: string, ...args: unknown[]) => dispatch(api, method, args);

/** Tiny runs: one epoch of 20 batches. */
const tiny = (name: string, axes: StudyFile['axes']): StudyFile => ({
  name, base: { preset: 'mlp-quick', epochs: 1, limit: 200, testLimit: 50, batch: 10, T: 4, threads: 1, seed: 3 }, axes,
});

describe('studies through the API', () => {
  it('lists the recipes, and previews a study with its runs and the confirmation limit without storing anything', async () => {
    const recipes = await api.listStudyRecipes();
    expect(recipes.map((r) => r.name)).toEqual(['rectangle-width', 'stbp-vs-sdbp', 'surrogate-shapes', 't-sweep']);
    expect(recipes[1]!.scales.quick.paper?.results).toHaveLength(2);
    const preview = await api.previewStudy({ ...tiny('p', { T: Array.from({ length: 12 }, (_, i) => i + 1) }), seeds: 3 });
    expect(preview).toMatchObject({ name: 'p', runs: 36, axes: ['T'], confirmAbove: 32 });
    expect(preview.cells[13]).toEqual({ index: 13, values: { T: 2 }, seed: 4, label: 'T=2, seed 4' });
    expect(await api.listStudies()).toEqual([]);
    expect(await api.listRuns()).toEqual([]);
  });

  it.each<[string, unknown[], string]>([
    ['a file that is not an object', ['previewStudy', 3], 'previewStudy: file is 3; allowed: an object'],
    ['an unknown setting', ['previewStudy', { name: 'x', base: { preset: 'mlp-quick' }, axes: { colour: [1] } }], 'previewStudy: file.axes names the unknown setting "colour"'],
    ['more runs than confirmed', ['createStudy', { file: { ...tiny('big', { T: [1, 2, 3, 4, 5, 6] }), seeds: 6 } }], 'has 36 runs (6 T × 6 seeds); allowed: at most 32 runs unless confirmed'],
    ['a confirmed number out of range', ['createStudy', { file: tiny('x', { T: [1, 2] }), maxRuns: 0 }], 'createStudy: request.maxRuns is 0; allowed: an integer from 1 to 10000'],
    ['a parallelism of 0', ['setQueue', { parallel: 0 }], 'setQueue: request.parallel is 0; allowed: an integer from 1 to 64'],
    ['a run that is not queued', ['removeFromQueue', 999], 'not-found'],
  ])('refuses %s', async (_, [method, ...args], message) => {
    const answer = await call(method as string, ...args);
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(`${answer.error.code}: ${answer.error.message}`).toContain(message);
    expect(await api.listStudies()).toEqual([]);
  });

  it('creates a study whose runs the queue trains one after another as live runs of the app', async () => {
    await api.setQueue({ parallel: 1 });
    const events = recordEvents(workbench);
    const study = await api.createStudy({ file: tiny('grads', { grad: ['stbp', 'sdbp'] }) });
    expect(study.counts).toMatchObject({ total: 2, completed: 0 });
    const [first, second] = study.cells.map((c) => c.runId!);
    expect(events.events).toContainEqual({ type: 'studies-changed', studyId: study.id });
    const queue = events.events.find((e) => e.type === 'queue-changed');
    expect(queue).toMatchObject({ queue: { parallel: 1, runner: 'here', paused: false } });
    await events.until(runReaches(first!, 'completed'));
    await events.until(runReaches(second!, 'completed'));
    // Each run is a normal run: its epochs streamed as events, its metrics stored.
    expect(events.events.some((e) => e.type === 'run-epoch' && e.runId === first)).toBe(true);
    // One at a time: the second starts once the first has completed.
    const firstDone = events.events.findIndex(runReaches(first!, 'completed'));
    const secondStarts = events.events.findIndex(runReaches(second!, 'running'));
    expect(firstDone).toBeGreaterThanOrEqual(0);
    expect(secondStarts).toBeGreaterThan(firstDone);
    const done = await api.getStudy(study.id);
    expect(done.counts).toMatchObject({ total: 2, completed: 2, queued: 0 });
    expect(done.groups.map((g) => [g.label, g.completed, g.mean !== null])).toEqual([['grad=stbp', 1, true], ['grad=sdbp', 1, true]]);
    expect((await api.getQueue()).entries).toEqual([]);
    events.stop();
  });

  it('pauses the queue (its run pauses with a checkpoint), reorders, cancels, and resumes', async () => {
    await api.setQueue({ paused: true });
    const study = await api.createStudy({ file: { ...tiny('order', { T: [4, 5, 6] }), base: { ...tiny('', {}).base, epochs: 2, limit: 2000 } } });
    const [a, b, c] = study.cells.map((x) => x.runId!);
    let queue = await api.getQueue();
    expect(queue.entries.map((e) => [e.runId, e.status, e.studyName])).toEqual([[a, 'created', 'order'], [b, 'created', 'order'], [c, 'created', 'order']]);
    queue = await api.moveInQueue(c!, 0);
    expect(queue.entries.map((e) => e.runId)).toEqual([c, a, b]);
    queue = await api.removeFromQueue(a!);
    expect(queue.entries.map((e) => e.runId)).toEqual([c, b]);

    const events = recordEvents(workbench);
    await api.setQueue({ paused: false });
    await events.until((e) => e.type === 'run-batch' && e.runId === c);
    await api.setQueue({ paused: true });
    await events.until(runReaches(c!, 'paused'));
    expect((await api.getQueue()).entries.map((e) => [e.runId, e.status])).toEqual([[c, 'paused'], [b, 'created']]);

    const resumed = await api.resumeStudy(study.id); // queues the removed run again, at the end
    expect(resumed.counts.queued).toBe(3);
    expect((await api.getQueue()).entries.map((e) => e.runId)).toEqual([c, b, a]);
    await api.setQueue({ paused: false });
    await events.until((e) => e.type === 'run-batch' && e.runId === c);
    const cancelled = await api.cancelStudy(study.id);
    expect(cancelled.cells.map((x) => [x.runId, x.status, x.queued])).toEqual([[a, 'created', false], [b, 'created', false], [c, 'stopped', false]]);
    expect((await api.getQueue()).entries).toEqual([]);
    events.stop();
  });

  it('keeps queued runs across a restart of the app, and deletes a study with or without its runs', async () => {
    const study = await api.createStudy({ file: tiny('later', { grad: ['stbp', 'detach-reset'] }) });
    await api.setQueue({ paused: true });
    await workbench.dispose(); // quitting: the queue stays in the store
    workbench = createWorkbench({ store, mode: 'web' });
    api = workbench.api;
    const events = recordEvents(workbench);
    expect((await api.getQueue()).entries.map((e) => e.runId)).toEqual(study.cells.map((x) => x.runId));
    await api.setQueue({ paused: false });
    for (const cell of study.cells) await events.until(runReaches(cell.runId!, 'completed'));
    events.stop();

    const order = (await api.listStudies()).find((s) => s.name === 'order')!;
    const before = (await api.listRuns()).length;
    await api.deleteStudy(order.id); // its two never-started runs go, the stopped one stays
    expect((await api.listRuns()).length).toBe(before - 2);
    await api.deleteStudy(study.id, true);
    expect((await api.listRuns()).length).toBe(before - 4);
    expect((await api.listStudies()).map((s) => s.name)).toEqual(['grads']);
  });
});
