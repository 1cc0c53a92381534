/**
 * Runs: their rows and status lifecycle, renames, notes, copies and start-up recovery. What a run
 * produces has a module each: metrics.ts, probes.ts (probes and exports), checkpoints.ts.
 * Each write is one transaction; rows come back with camelCase fields and JSON parsed.
 */
import { EngineError } from '../../engine/errors';
import { badOption, checkInteger, checkName, checkOneOf, fromJson, nowIso, toJson } from './codec';
import type { Store } from './db';
import { requireDataset } from './datasets';
import { RUN_STATUSES } from './migrations';

export { RUN_STATUSES };
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * Where a run may go from each status. A stopped, failed or interrupted run resumes (→ running)
 * from its last checkpoint; a completed one is final: duplicate it to train again.
 */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  created: ['running', 'stopped', 'failed'],
  running: ['paused', 'stopped', 'completed', 'failed', 'interrupted'],
  paused: ['running', 'stopped', 'failed', 'interrupted'],
  stopped: ['running'],
  completed: [],
  failed: ['running'],
  interrupted: ['running', 'stopped'],
};

/** Statuses that end a run: entering one sets `ended_at`. */
const ENDING: readonly RunStatus[] = ['stopped', 'completed', 'failed', 'interrupted'];

export const INTERRUPTED_ERROR = 'the process ended while this run was training (app or machine stopped)';

export interface RunRow {
  id: number;
  name: string;
  status: RunStatus;
  datasetId: number;
  /** The model spec JSON (`{className, config}` per layer), as the engine saved it. */
  spec: unknown;
  /** Hyper-parameters JSON. */
  hyper: unknown;
  seed: number;
  backendRequested: string;
  /** The backend that actually ran (`auto` resolves to one); null until the run starts. */
  backendUsed: string | null;
  error: string | null;
  notes: string;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** The run this one was duplicated from, if any (null once that run is deleted). */
  parentRunId: number | null;
}

export interface CreateRun {
  /** Default `run-<id>`. */
  name?: string;
  datasetId: number;
  spec: object;
  hyper: object;
  seed: number;
  backendRequested: string;
  parentRunId?: number;
}

interface RunRecord {
  id: number;
  name: string;
  status: RunStatus;
  dataset_id: number;
  spec: string;
  hyper: string;
  seed: number;
  backend_requested: string;
  backend_used: string | null;
  error: string | null;
  notes: string;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  parent_run_id: number | null;
}

function toRunRow(r: RunRecord): RunRow {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    datasetId: r.dataset_id,
    spec: fromJson(r.spec),
    hyper: fromJson(r.hyper),
    seed: r.seed,
    backendRequested: r.backend_requested,
    backendUsed: r.backend_used,
    error: r.error,
    notes: r.notes,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    parentRunId: r.parent_run_id,
  };
}

// ---- runs ------------------------------------------------------------------------------------

export function createRun(store: Store, input: CreateRun): number {
  const where = 'createRun';
  if (input.name !== undefined) checkName(where, 'name', input.name);
  const spec = toJson(where, 'spec', input.spec);
  const hyper = toJson(where, 'hyper', input.hyper);
  if (!Number.isSafeInteger(input.seed)) throw new EngineError('bad-option', `${where}: seed is ${input.seed}; allowed: an integer`);
  checkName(where, 'backendRequested', input.backendRequested);
  return store.transaction(() => {
    requireDataset(store, checkInteger(where, 'datasetId', input.datasetId, 1));
    if (input.parentRunId !== undefined) requireRun(store, input.parentRunId);
    const id = Number(
      store.db
        .prepare(
          `INSERT INTO runs (name, status, dataset_id, spec, hyper, seed, backend_requested, created_at, parent_run_id)
           VALUES (?, 'created', ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(input.name ?? '', input.datasetId, spec, hyper, input.seed, input.backendRequested, nowIso(), input.parentRunId ?? null)
        .lastInsertRowid,
    );
    if (input.name === undefined) store.db.prepare('UPDATE runs SET name = ? WHERE id = ?').run(`run-${id}`, id);
    return id;
  });
}

export function getRun(store: Store, id: number): RunRow | undefined {
  const record = store.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRecord | undefined;
  return record && toRunRow(record);
}

export function requireRun(store: Store, id: number): RunRow {
  const found = getRun(store, id);
  if (found) return found;
  const recent = (store.db.prepare('SELECT id FROM runs ORDER BY id DESC LIMIT 6').all() as { id: number }[]).map((r) => r.id);
  const known = recent.length > 5 ? `${recent.slice(0, 5).reverse().join(', ')} and older` : recent.reverse().join(', ');
  throw new EngineError('unknown-run', `unknown run ${JSON.stringify(id)} (known: ${known || 'none yet'})`);
}

/** Runs in creation order, optionally only those with the given status(es). */
export function listRuns(store: Store, opts: { status?: RunStatus | readonly RunStatus[] } = {}): RunRow[] {
  if (opts.status === undefined) return (store.db.prepare('SELECT * FROM runs ORDER BY id').all() as RunRecord[]).map(toRunRow);
  const statuses = typeof opts.status === 'string' ? [opts.status] : opts.status;
  statuses.forEach((s) => checkOneOf('listRuns', 'status', s, RUN_STATUSES));
  const records = store.db
    .prepare(`SELECT * FROM runs WHERE status IN (${statuses.map(() => '?').join(', ') || 'NULL'}) ORDER BY id`)
    .all(...statuses) as RunRecord[];
  return records.map(toRunRow);
}

/**
 * Moves a run to `status` if `RUN_TRANSITIONS` allows it. Entering 'running' sets `started_at`
 * the first time and clears `ended_at` and `error` (a resume); entering an ending status sets
 * `ended_at`. `error` and `backendUsed` are recorded when given. Returns the updated run.
 */
export function setRunStatus(
  store: Store,
  id: number,
  status: RunStatus,
  opts: { error?: string; backendUsed?: string; ownerPid?: number } = {},
): RunRow {
  checkOneOf('setRunStatus', 'status', status, RUN_STATUSES);
  return store.transaction(() => {
    const run = requireRun(store, id);
    const allowed = RUN_TRANSITIONS[run.status];
    if (!allowed.includes(status)) {
      throw new EngineError(
        'bad-transition',
        `setRunStatus: run ${id} (${JSON.stringify(run.name)}) cannot go from '${run.status}' to '${status}'; ` +
          `allowed from '${run.status}': ${allowed.length ? allowed.join(', ') : 'nothing, it is final (duplicate the run to train again)'}`,
      );
    }
    const now = nowIso();
    const resuming = status === 'running';
    store.db
      .prepare(
        `UPDATE runs SET status = ?, started_at = coalesce(started_at, ?), ended_at = ?, error = ?, backend_used = coalesce(?, backend_used),
         owner_pid = ? WHERE id = ?`,
      )
      .run(
        status,
        resuming ? now : null,
        ENDING.includes(status) ? now : resuming ? null : run.endedAt,
        opts.error ?? (resuming ? null : run.error),
        opts.backendUsed ?? null,
        resuming ? (opts.ownerPid ?? process.pid) : null,
        id,
      );
    return requireRun(store, id);
  });
}

/** The backend that actually runs (reported by the training process once its kernels are up). */
export function setRunBackend(store: Store, id: number, backend: string): void {
  checkName('setRunBackend', 'backend', backend);
  store.transaction(() => {
    requireRun(store, id);
    store.db.prepare('UPDATE runs SET backend_used = ? WHERE id = ?').run(backend, id);
  });
}

/** Longest run name accepted: names are shown in lists and chart legends. */
export const RUN_NAME_MAX = 200;

/** Renames a run; the name is trimmed and must not be empty. Returns the updated run. */
export function renameRun(store: Store, id: number, name: string): RunRow {
  const trimmed = checkName('renameRun', 'name', name).trim();
  if (trimmed.length > RUN_NAME_MAX) throw badOption('renameRun', 'name', name, `a name of 1 to ${RUN_NAME_MAX} characters`);
  return store.transaction(() => {
    requireRun(store, id);
    store.db.prepare('UPDATE runs SET name = ? WHERE id = ?').run(trimmed, id);
    return requireRun(store, id);
  });
}

export function setRunNotes(store: Store, id: number, notes: string): void {
  if (typeof notes !== 'string') throw new EngineError('bad-option', `setRunNotes: notes is ${String(notes)}; allowed: a string`);
  store.transaction(() => {
    requireRun(store, id);
    store.db.prepare('UPDATE runs SET notes = ? WHERE id = ?').run(notes, id);
  });
}

/** Deletes a run with its metrics, probes, checkpoints and export records; refused while it runs. */
export function deleteRun(store: Store, id: number): void {
  store.transaction(() => {
    const run = requireRun(store, id);
    if (run.status === 'running') {
      throw new EngineError('run-running', `deleteRun: run ${id} (${JSON.stringify(run.name)}) is running; stop it first, then delete it`);
    }
    store.db.prepare('DELETE FROM runs WHERE id = ?').run(id);
  });
}

/** A new run with the same dataset, spec, hyper-parameters, seed and backend; its parent is `id`. */
export function duplicateRun(store: Store, id: number, opts: { name?: string } = {}): number {
  return store.transaction(() => {
    const run = requireRun(store, id);
    return createRun(store, {
      ...(opts.name !== undefined && { name: opts.name }),
      datasetId: run.datasetId,
      spec: run.spec as object,
      hyper: run.hyper as object,
      seed: run.seed,
      backendRequested: run.backendRequested,
      parentRunId: id,
    });
  });
}

/**
 * At start-up no training process is alive yet, so a run still marked 'running' lost its process
 * (app quit, crash, power cut): it becomes 'interrupted', resumable from its last checkpoint.
 * Returns how many runs were marked.
 */
/**
 * At start-up: runs still marked 'running' whose supervising process is gone become
 * 'interrupted' (resumable from their last checkpoint). A run owned by a live process — another
 * terminal's `stbp train`, the app — is left alone.
 */
export function recoverInterruptedRuns(store: Store, isAlive: (pid: number) => boolean = processAlive): number {
  return store.transaction(() => {
    const running = store.db.prepare("SELECT id, owner_pid AS pid FROM runs WHERE status = 'running'").all() as { id: number; pid: number | null }[];
    const orphans = running.filter((r) => r.pid === null || r.pid === process.pid || !isAlive(r.pid));
    const mark = store.db.prepare("UPDATE runs SET status = 'interrupted', error = ?, ended_at = ?, owner_pid = NULL WHERE id = ?");
    const now = nowIso();
    for (const r of orphans) mark.run(INTERRUPTED_ERROR, now, r.id);
    return orphans.length;
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}
