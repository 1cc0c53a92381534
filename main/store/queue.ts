/**
 * The run queue (migration 7): runs waiting to train, in order, and the queue's settings. The
 * queue is only an order over runs of the store; what a run is and where it stands stays in
 * `runs`. Each write is one transaction.
 */
import { EngineError } from '../../engine/errors';
import { checkInteger, nowIso } from './codec';
import type { Store } from './db';
import { processAlive } from './process-alive';
import { requireRun, type RunStatus } from './runs';

export interface QueueRow {
  runId: number;
  runName: string;
  status: RunStatus;
  /** When it was (re)queued; a run that ended after it had its turn. */
  queuedAt: string;
  endedAt: string | null;
  /** Times the queue's own launch of it ended killed (interrupted). */
  attempts: number;
  studyId: number | null;
  studyName: string | null;
}

export interface QueueSettingsRow {
  /** Null: the default, one per two cores. */
  parallel: number | null;
  paused: boolean;
  /** The process that starts queued runs, if one has claimed the queue. */
  runnerPid: number | null;
}

/** The queue in order, each run with its status and study. */
export function listQueue(store: Store): QueueRow[] {
  const rows = store.db
    .prepare(
      `SELECT q.run_id, r.name AS run_name, r.status, q.queued_at, r.ended_at, q.attempts, s.id AS study_id, s.name AS study_name
       FROM run_queue q JOIN runs r ON r.id = q.run_id
       LEFT JOIN study_cells c ON c.run_id = q.run_id LEFT JOIN studies s ON s.id = c.study_id
       ORDER BY q.position, q.run_id`,
    )
    .all() as { run_id: number; run_name: string; status: RunStatus; queued_at: string; ended_at: string | null; attempts: number; study_id: number | null; study_name: string | null }[];
  return rows.map((r) => ({
    runId: r.run_id, runName: r.run_name, status: r.status, queuedAt: r.queued_at, endedAt: r.ended_at, attempts: r.attempts, studyId: r.study_id, studyName: r.study_name,
  }));
}

export function isQueued(store: Store, runId: number): boolean {
  return store.db.prepare('SELECT 1 FROM run_queue WHERE run_id = ?').get(runId) !== undefined;
}

/**
 * Appends runs at the end of the queue, in the order given. Runs already queued keep their place;
 * they count as queued again from now (a turn they ended before is not held against them).
 */
export function enqueueRuns(store: Store, runIds: readonly number[]): void {
  store.transaction(() => {
    const last = (store.db.prepare('SELECT coalesce(max(position), -1) AS p FROM run_queue').get() as { p: number }).p;
    const insert = store.db.prepare(
      'INSERT INTO run_queue (run_id, position, queued_at) VALUES (?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET queued_at = excluded.queued_at, attempts = 0',
    );
    const now = nowIso();
    runIds.forEach((id, i) => {
      requireRun(store, checkInteger('enqueueRuns', `runIds[${i}]`, id, 1));
      insert.run(id, last + 1 + i, now);
    });
  });
}

/** Takes runs off the queue (those not on it are ignored); returns how many were. */
export function dequeueRuns(store: Store, runIds: readonly number[]): number {
  return store.transaction(() => {
    const remove = store.db.prepare('DELETE FROM run_queue WHERE run_id = ?');
    return runIds.reduce((n, id) => n + remove.run(id).changes, 0);
  });
}

/** Moves a queued run to a 0-based place; the others keep their order. */
export function moveInQueue(store: Store, runId: number, index: number): void {
  checkInteger('moveInQueue', 'index', index);
  store.transaction(() => {
    const order = (store.db.prepare('SELECT run_id FROM run_queue ORDER BY position, run_id').pluck().all() as number[]).filter((id) => id !== runId);
    if (!isQueued(store, runId)) {
      requireRun(store, runId);
      throw new EngineError('not-queued', `moveInQueue: run ${runId} is not queued; allowed: a queued run (${order.slice(0, 8).join(', ') || 'the queue is empty'})`);
    }
    order.splice(Math.min(index, order.length), 0, runId);
    const update = store.db.prepare('UPDATE run_queue SET position = ? WHERE run_id = ?');
    order.forEach((id, position) => update.run(position, id));
  });
}

/** Counts one more killed launch of a queued run; returns the new count. */
export function countAttempt(store: Store, runId: number): number {
  return store.transaction(() => {
    store.db.prepare('UPDATE run_queue SET attempts = attempts + 1 WHERE run_id = ?').run(runId);
    return (store.db.prepare('SELECT attempts FROM run_queue WHERE run_id = ?').pluck().get(runId) as number | undefined) ?? 0;
  });
}

export function queueSettings(store: Store): QueueSettingsRow {
  const r = store.db.prepare('SELECT parallel, paused, runner_pid FROM queue_settings WHERE id = 1').get() as { parallel: number | null; paused: number; runner_pid: number | null };
  return { parallel: r.parallel, paused: r.paused === 1, runnerPid: r.runner_pid };
}

export function setQueueSettings(store: Store, patch: { parallel?: number; paused?: boolean }): QueueSettingsRow {
  if (patch.parallel !== undefined) checkInteger('setQueueSettings', 'parallel', patch.parallel, 1);
  return store.transaction(() => {
    if (patch.parallel !== undefined) store.db.prepare('UPDATE queue_settings SET parallel = ? WHERE id = 1').run(patch.parallel);
    if (patch.paused !== undefined) store.db.prepare('UPDATE queue_settings SET paused = ? WHERE id = 1').run(patch.paused ? 1 : 0);
    return queueSettings(store);
  });
}

/**
 * Makes `pid` the process that starts queued runs, unless another live process is: true when it
 * is now (or already was) the runner. A runner killed without releasing is replaced at once.
 */
export function claimQueue(store: Store, pid: number = process.pid, isAlive: (pid: number) => boolean = processAlive): boolean {
  if (queueSettings(store).runnerPid === pid) return true; // the common case, every few seconds: no write lock
  return store.transaction(() => {
    const holder = queueSettings(store).runnerPid;
    if (holder !== null && holder !== pid && isAlive(holder)) return false;
    store.db.prepare('UPDATE queue_settings SET runner_pid = ? WHERE id = 1').run(pid);
    return true;
  });
}

export function releaseQueue(store: Store, pid: number = process.pid): void {
  store.transaction(() => void store.db.prepare('UPDATE queue_settings SET runner_pid = NULL WHERE id = 1 AND runner_pid = ?').run(pid));
}

/** The queue's runner, if it is alive (a killed runner's pid stays until the next claim). */
export function liveRunner(store: Store, isAlive: (pid: number) => boolean = processAlive): number | null {
  const pid = queueSettings(store).runnerPid;
  return pid !== null && (pid === process.pid || isAlive(pid)) ? pid : null;
}
