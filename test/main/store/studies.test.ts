import { describe, expect, it } from 'vitest';
import { claimQueue, countAttempt, dequeueRuns, enqueueRuns, listQueue, moveInQueue, queueSettings, releaseQueue, setQueueSettings } from '../../../main/store/queue';
import { getRun, listRuns, setRunStatus, type CreateRun } from '../../../main/store/runs';
import { createStudy, deleteStudy, listStudies, listStudyCells, replaceStudyCells, requireStudy, studyOfRun } from '../../../main/store/studies';
import { engineError } from '../../helpers/errors';
import { countRows, HYPER, SPEC, storeWithDataset, useTempStores } from './temp-store';

const temp = useTempStores();
const run = (name: string): CreateRun => ({ name, datasetId: 1, spec: SPEC, hyper: HYPER, seed: 1, backendRequested: 'auto' });
const cells = (...names: string[]) => names.map((name, i) => ({ values: { grad: name }, seed: i, run: run(name) }));
const queued = (store: ReturnType<typeof temp.open>) => listQueue(store).map((q) => q.runName);

describe('studies', () => {
  it('are created with their runs queued in cell order, in one transaction', () => {
    const store = storeWithDataset(temp.open());
    const id = createStudy(store, { name: ' widths ', definition: { name: 'widths' }, cells: cells('a', 'b', 'c') });
    expect(requireStudy(store, id)).toMatchObject({ name: 'widths', definition: { name: 'widths' } });
    const stored = listStudyCells(store, id);
    expect(stored.map((c) => [c.cell, c.values, c.seed])).toEqual([[0, { grad: 'a' }, 0], [1, { grad: 'b' }, 1], [2, { grad: 'c' }, 2]]);
    expect(stored.map((c) => getRun(store, c.runId!)?.name)).toEqual(['a', 'b', 'c']);
    expect(queued(store)).toEqual(['a', 'b', 'c']);
    expect(listQueue(store).map((q) => q.studyName)).toEqual(['widths', 'widths', 'widths']);
    expect(studyOfRun(store, stored[1]!.runId!)).toBe(id);

    // A cell whose run cannot be recorded (dataset 9 does not exist) leaves nothing behind.
    const before = ['studies', 'study_cells', 'runs', 'run_queue'].map((t) => countRows(store, t));
    expect(() => createStudy(store, { name: 'bad', definition: {}, cells: [...cells('d'), { values: {}, seed: 0, run: { ...run('e'), datasetId: 9 } }] })).toThrow(/dataset/);
    expect(['studies', 'study_cells', 'runs', 'run_queue'].map((t) => countRows(store, t))).toEqual(before);
  });

  it('are edited in one transaction: kept cells keep their runs, runs of dropped cells go if they never started', () => {
    const store = storeWithDataset(temp.open());
    const id = createStudy(store, { name: 's', definition: {}, cells: cells('a', 'b', 'c') });
    const [a, b, c] = listStudyCells(store, id).map((x) => x.runId!);
    setRunStatus(store, b!, 'running');
    setRunStatus(store, b!, 'completed');
    const result = replaceStudyCells(store, id, { name: 's2', definition: { v: 2 }, cells: [{ values: { grad: 'a' }, seed: 0, runId: a! }, ...cells('x')] });
    expect(result.deleted).toEqual([c]); // never started: it existed only for the study
    expect(result.detached).toEqual([b]); // trained: it stays a plain run
    expect(getRun(store, c!)).toBeUndefined();
    expect(getRun(store, b!)?.status).toBe('completed');
    expect(studyOfRun(store, b!)).toBeNull();
    expect(listStudyCells(store, id).map((x) => getRun(store, x.runId!)?.name)).toEqual(['a', 'x']);
    expect(queued(store)).toEqual(['a', 'x']);
    expect(requireStudy(store, id)).toMatchObject({ name: 's2', definition: { v: 2 } });
  });

  it('are deleted with or without their runs; never while one of them trains, if the runs go too', () => {
    const store = storeWithDataset(temp.open());
    const keep = createStudy(store, { name: 'keep', definition: {}, cells: cells('a', 'b') });
    const [a] = listStudyCells(store, keep).map((x) => x.runId!);
    setRunStatus(store, a!, 'running');
    setRunStatus(store, a!, 'completed');
    expect(deleteStudy(store, keep, false)).toHaveLength(1); // b never started
    expect(listRuns(store).map((r) => r.name)).toEqual(['a']);
    expect(countRows(store, 'study_cells')).toBe(0);

    const all = createStudy(store, { name: 'all', definition: {}, cells: cells('c', 'd') });
    const [cId] = listStudyCells(store, all).map((x) => x.runId!);
    setRunStatus(store, cId!, 'running');
    expect(engineError(() => deleteStudy(store, all, true)).message).toContain(`deleteStudy: study ${all} ("all") has runs training (${cId}); cancel the study first`);
    setRunStatus(store, cId!, 'paused');
    deleteStudy(store, all, true);
    expect(listRuns(store).map((r) => r.name)).toEqual(['a']);
    expect(listStudies(store)).toEqual([]);
    expect(countRows(store, 'run_queue')).toBe(0);
    expect(engineError(() => requireStudy(store, all)).message).toBe(`unknown study ${all} (known: none yet; see stbp study list)`);
  });
});

describe('the queue', () => {
  it('appends, moves and removes runs, keeping the others in order', () => {
    const store = storeWithDataset(temp.open());
    createStudy(store, { name: 's', definition: {}, cells: cells('a', 'b', 'c', 'd') });
    const id = (name: string) => listQueue(store).find((q) => q.runName === name)!.runId;
    moveInQueue(store, id('d'), 0);
    expect(queued(store)).toEqual(['d', 'a', 'b', 'c']);
    moveInQueue(store, id('d'), 99);
    expect(queued(store)).toEqual(['a', 'b', 'c', 'd']);
    moveInQueue(store, id('c'), 1);
    expect(queued(store)).toEqual(['a', 'c', 'b', 'd']);
    const b = id('b');
    expect(dequeueRuns(store, [b, 999])).toBe(1);
    expect(queued(store)).toEqual(['a', 'c', 'd']);
    expect(engineError(() => moveInQueue(store, b, 0)).message).toMatch(new RegExp(`^moveInQueue: run ${b} is not queued; allowed: a queued run`));
    enqueueRuns(store, [b]);
    expect(queued(store)).toEqual(['a', 'c', 'd', 'b']);
    expect(countAttempt(store, b)).toBe(1);
    enqueueRuns(store, [b]); // queued again: a fresh turn
    expect(listQueue(store).find((q) => q.runId === b)?.attempts).toBe(0);
    expect(queued(store)).toEqual(['a', 'c', 'd', 'b']);
  });

  it('keeps its settings, and lets one live process run it at a time', () => {
    const store = storeWithDataset(temp.open());
    expect(queueSettings(store)).toEqual({ parallel: null, paused: false, runnerPid: null });
    expect(setQueueSettings(store, { parallel: 3, paused: true })).toEqual({ parallel: 3, paused: true, runnerPid: null });
    expect(() => setQueueSettings(store, { parallel: 0 })).toThrow(/parallel is 0/);
    const alive = new Set([100, 200]);
    const isAlive = (pid: number) => alive.has(pid);
    expect(claimQueue(store, 100, isAlive)).toBe(true);
    expect(claimQueue(store, 200, isAlive)).toBe(false); // 100 still runs it
    expect(claimQueue(store, 100, isAlive)).toBe(true);
    alive.delete(100); // killed without releasing
    expect(claimQueue(store, 200, isAlive)).toBe(true);
    releaseQueue(store, 100); // not the holder: nothing changes
    expect(queueSettings(store).runnerPid).toBe(200);
    releaseQueue(store, 200);
    expect(queueSettings(store).runnerPid).toBeNull();
  });
});
