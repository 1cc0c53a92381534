import { describe, expect, it } from 'vitest';
import { hadItsTurn, MAX_ATTEMPTS, QueueRunner, queueState, runsToStart, type LaunchedRun } from '../../../main/services/queue';
import type { Store } from '../../../main/store/db';
import { enqueueRuns, listQueue, moveInQueue, setQueueSettings, type QueueRow } from '../../../main/store/queue';
import { recoverInterruptedRuns, requireRun, setRunStatus, type RunRow, type RunStatus } from '../../../main/store/runs';
import { createStudy } from '../../../main/store/studies';
import { HYPER, SPEC, storeWithDataset, useTempStores } from '../store/temp-store';

const temp = useTempStores();

const row = (runId: number, status: RunStatus, patch: Partial<QueueRow> = {}): QueueRow => ({
  runId, runName: `r${runId}`, status, queuedAt: '2026-12-01T10:00:00.000Z', endedAt: null, attempts: 0, studyId: 1, studyName: 's', ...patch,
});

describe('runsToStart', () => {
  it('starts queued runs in order up to the parallelism, counting those training anywhere', () => {
    const q = [row(1, 'running'), row(2, 'created'), row(3, 'interrupted'), row(4, 'paused'), row(5, 'created')];
    expect(runsToStart(q, 1, false).map((e) => e.runId)).toEqual([]);
    expect(runsToStart(q, 3, false).map((e) => e.runId)).toEqual([2, 3]);
    expect(runsToStart(q, 3, false, new Set([2])).map((e) => e.runId)).toEqual([3]);
    expect(runsToStart(q, 9, true)).toEqual([]);
  });

  it('tells runs that had their turn from runs queued again after they ended', () => {
    const ended = { endedAt: '2026-12-01T11:00:00.000Z' };
    expect(hadItsTurn(row(1, 'completed'))).toBe(true);
    expect(hadItsTurn(row(1, 'stopped', ended))).toBe(true);
    expect(hadItsTurn(row(1, 'failed', ended))).toBe(true);
    expect(hadItsTurn(row(1, 'failed', { ...ended, queuedAt: '2026-12-01T12:00:00.000Z' }))).toBe(false); // re-queued
    expect(runsToStart([row(1, 'failed', { ...ended, queuedAt: '2026-12-01T12:00:00.000Z' })], 1, false)).toHaveLength(1);
    expect(hadItsTurn(row(1, 'interrupted', { attempts: MAX_ATTEMPTS - 1 }))).toBe(false);
    expect(hadItsTurn(row(1, 'interrupted', { attempts: MAX_ATTEMPTS }))).toBe(true);
  });
});

/**
 * Training processes stood in for: a launch marks the run running (as the supervisor does) and
 * the test ends it when it likes. The runner only sees what a real launch gives it.
 */
function fakeLaunches(store: Store) {
  const started: { runId: number; resume: boolean }[] = [];
  const live = new Map<number, { end(status: RunStatus): void; pauseAsked: boolean; stopAsked: boolean }>();
  const launch = (runId: number, resume: boolean): LaunchedRun => {
    setRunStatus(store, runId, 'running');
    started.push({ runId, resume });
    let end!: (status: RunStatus) => void;
    const finished = new Promise<RunRow>((resolve) => (end = (status) => resolve(setRunStatus(store, runId, status))));
    const handle = { end, pauseAsked: false, stopAsked: false };
    live.set(runId, handle);
    return {
      pause: () => {
        handle.pauseAsked = true;
        end('paused');
      },
      stop: () => {
        handle.stopAsked = true;
        end('stopped');
      },
      finished,
    };
  };
  const finish = async (runId: number, status: RunStatus = 'completed') => {
    live.get(runId)!.end(status);
    live.delete(runId);
    await new Promise((r) => setTimeout(r, 0));
  };
  return { launch, started, live, finish, order: () => started.map((s) => s.runId) };
}

function studyOf(store: Store, n: number): number[] {
  createStudy(store, { name: 's', definition: {}, cells: Array.from({ length: n }, (_, i) => ({ values: { i }, seed: 1, run: { datasetId: 1, spec: SPEC, hyper: HYPER, seed: 1, backendRequested: 'auto' } })) });
  return listQueue(store).map((q) => q.runId);
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('QueueRunner', () => {
  it('trains the queue in order, as many at a time as set, and follows reordering', async () => {
    const store = storeWithDataset(temp.open());
    const ids = studyOf(store, 5);
    setQueueSettings(store, { parallel: 2 });
    const fake = fakeLaunches(store);
    const runner = new QueueRunner({ store, launch: fake.launch, pollMs: 60_000 });
    runner.start();
    expect(fake.order()).toEqual([ids[0], ids[1]]);
    moveInQueue(store, ids[4]!, 0); // the last one first
    await fake.finish(ids[1]!);
    expect(fake.order()).toEqual([ids[0], ids[1], ids[4]]);
    await fake.finish(ids[0]!);
    await fake.finish(ids[4]!);
    expect(fake.order()).toEqual([ids[0], ids[1], ids[4], ids[2], ids[3]]);
    await fake.finish(ids[2]!);
    await fake.finish(ids[3]!);
    expect(listQueue(store)).toEqual([]);
    await runner.close({ pause: true });
  });

  it('survives a restart: a new runner on the same store resumes the paused runs from their checkpoint, then starts the rest in order', async () => {
    const store = storeWithDataset(temp.open());
    const ids = studyOf(store, 4);
    const first = fakeLaunches(store);
    const before = new QueueRunner({ store, launch: first.launch, pollMs: 60_000 });
    before.start();
    await first.finish(ids[0]!);
    expect(first.order()).toEqual([ids[0], ids[1]]);
    await before.close({ pause: true }); // quitting the app: its run pauses with a checkpoint and stays queued
    expect(first.live.get(ids[1]!)?.pauseAsked).toBe(true);
    expect(listQueue(store).map((q) => [q.runId, q.status])).toEqual([[ids[1], 'paused'], [ids[2], 'created'], [ids[3], 'created']]);

    const second = fakeLaunches(store);
    const after = new QueueRunner({ store, launch: second.launch, pollMs: 60_000 });
    after.start();
    expect(second.order()).toEqual([ids[1]]);
    await second.finish(ids[1]!);
    await second.finish(ids[2]!);
    await second.finish(ids[3]!);
    expect(second.order()).toEqual([ids[1], ids[2], ids[3]]);
    expect(listQueue(store)).toEqual([]);
    await after.close({ pause: true });
  });

  it('after a crash, takes over a dead runner’s queue and resumes its interrupted run first', async () => {
    const store = storeWithDataset(temp.open());
    const ids = studyOf(store, 3);
    setRunStatus(store, ids[0]!, 'running', { ownerPid: 999_999_999 }); // a runner that was killed -9
    store.db.prepare('UPDATE queue_settings SET runner_pid = 999999999').run();
    expect(recoverInterruptedRuns(store)).toBe(1);
    const fake = fakeLaunches(store);
    const runner = new QueueRunner({ store, launch: fake.launch, pollMs: 60_000 });
    runner.start();
    expect(queueState(store).runner).toBe('here');
    expect(fake.started[0]).toEqual({ runId: ids[0], resume: false }); // no checkpoint in this store: it starts over
    await fake.finish(ids[0]!);
    expect(fake.order()).toEqual([ids[0], ids[1]]);
    await runner.close({ pause: true });
  });

  it('pauses its runs while the queue is paused, and resumes them when it is not', async () => {
    const store = storeWithDataset(temp.open());
    const ids = studyOf(store, 2);
    const fake = fakeLaunches(store);
    const runner = new QueueRunner({ store, launch: fake.launch, pollMs: 60_000 });
    runner.start();
    setQueueSettings(store, { paused: true });
    runner.pump();
    await tick();
    expect(requireRun(store, ids[0]!).status).toBe('paused');
    expect(fake.order()).toEqual([ids[0]]);
    setQueueSettings(store, { paused: false });
    runner.pump();
    expect(fake.order()).toEqual([ids[0], ids[0]]);
    await runner.close({ pause: true });
  });

  it('drops a run the user paused or stopped, retries a killed one a few times, and moves on', async () => {
    const store = storeWithDataset(temp.open());
    const ids = studyOf(store, 3);
    const fake = fakeLaunches(store);
    const runner = new QueueRunner({ store, launch: fake.launch, pollMs: 60_000 });
    runner.start();
    await fake.finish(ids[0]!, 'paused'); // the monitor's Pause, not the queue's
    expect(listQueue(store).map((q) => q.runId)).toEqual([ids[1], ids[2]]);
    for (let i = 0; i < MAX_ATTEMPTS; i++) await fake.finish(ids[1]!, 'interrupted');
    expect(fake.order()).toEqual([ids[0], ...Array(MAX_ATTEMPTS).fill(ids[1]), ids[2]]);
    await fake.finish(ids[2]!, 'stopped');
    expect(listQueue(store)).toEqual([]);
    enqueueRuns(store, [ids[2]!]); // queued again after it stopped: it gets another turn
    runner.pump();
    expect(fake.order().at(-1)).toBe(ids[2]);
    await runner.close({ pause: true });
  });

  it('leaves the queue to another live runner, and takes it over once that one is gone', async () => {
    const store = storeWithDataset(temp.open());
    studyOf(store, 1);
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    store.db.prepare('UPDATE queue_settings SET runner_pid = ?').run(child.pid);
    const fake = fakeLaunches(store);
    const runner = new QueueRunner({ store, launch: fake.launch, pollMs: 60_000 });
    runner.start();
    expect(fake.order()).toEqual([]);
    expect(queueState(store)).toMatchObject({ runner: 'elsewhere', runnerPid: child.pid });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    runner.pump();
    expect(fake.order()).toHaveLength(1);
    await runner.close({ pause: true });
  });
});
