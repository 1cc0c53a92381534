/**
 * A run's checkpoints: the engine's opaque bytes (weights, optimiser state, RNG, position) saved at
 * each epoch's end and on pause or stop. The latest few are kept, plus the one with the best test
 * accuracy so far, which models are often made from.
 */
import { EngineError } from '../../engine/errors';
import { checkBytes, checkInteger, checkOneOf, nowIso, ownedBytes, toBlob } from './codec';
import type { Store } from './db';
import { listMetrics } from './metrics';
import { requireRun } from './runs';

export const CHECKPOINT_REASONS = ['epoch', 'pause', 'stop'] as const;
export type CheckpointReason = (typeof CHECKPOINT_REASONS)[number];
/** Checkpoints kept per run besides the best: the latest few, enough to step back past a bad one. */
export const CHECKPOINTS_KEPT = 3;

/** A checkpoint without its bytes. */
export interface CheckpointInfo {
  id: number;
  /** The epoch in progress when saved: after an epoch's end, the next one (its weights are epoch − 1's). */
  epoch: number;
  /** The next batch to run; 0 at an epoch's end. */
  batch: number;
  reason: CheckpointReason;
  /** Test accuracy of these weights (epoch checkpoints saved since store version 5); null otherwise. */
  testAccuracy: number | null;
  /** The best test accuracy of the run so far: kept when newer checkpoints are pruned. */
  best: boolean;
  createdAt: string;
}

export interface Checkpoint extends CheckpointInfo {
  /** The engine's opaque bytes (weights, optimiser state, RNG), in a buffer of their own. */
  state: Uint8Array;
}

export interface SaveCheckpoint {
  epoch: number;
  batch: number;
  reason: CheckpointReason;
  state: Uint8Array;
  /** Epoch checkpoints: the test accuracy the epoch just finished ended with. */
  testAccuracy?: number;
}

interface CheckpointRecord {
  id: number;
  epoch: number;
  batch: number;
  reason: CheckpointReason;
  test_accuracy: number | null;
  best: number;
  created_at: string;
  state?: Buffer;
}

const INFO_COLUMNS = 'id, epoch, batch, reason, test_accuracy, best, created_at';

function toInfo(r: CheckpointRecord): CheckpointInfo {
  return { id: r.id, epoch: r.epoch, batch: r.batch, reason: r.reason, testAccuracy: r.test_accuracy, best: r.best === 1, createdAt: r.created_at };
}

function toCheckpoint(r: CheckpointRecord): Checkpoint {
  return { ...toInfo(r), state: ownedBytes(r.state!) };
}

/**
 * Saves a checkpoint in one transaction. An epoch checkpoint whose test accuracy beats every earlier
 * one becomes the run's best (the earliest wins a tie). Then all but the latest `CHECKPOINTS_KEPT`
 * and the best are dropped. Returns its id.
 */
export function saveCheckpoint(store: Store, runId: number, input: SaveCheckpoint): number {
  const where = 'saveCheckpoint';
  const epoch = checkInteger(where, 'epoch', input.epoch);
  const batch = checkInteger(where, 'batch', input.batch);
  const reason = checkOneOf(where, 'reason', input.reason, CHECKPOINT_REASONS);
  const state = toBlob(checkBytes(where, 'state', input.state));
  const accuracy = input.testAccuracy ?? null;
  if (accuracy !== null && !(accuracy >= 0 && accuracy <= 1)) {
    throw new EngineError('bad-option', `${where}: testAccuracy is ${accuracy}; allowed: a number from 0 to 1`);
  }
  return store.transaction(() => {
    requireRun(store, runId);
    const { best } = store.db.prepare('SELECT max(test_accuracy) AS best FROM checkpoints WHERE run_id = ? AND best = 1').get(runId) as { best: number | null };
    const isBest = reason === 'epoch' && accuracy !== null && (best === null || accuracy > best);
    if (isBest) store.db.prepare('UPDATE checkpoints SET best = 0 WHERE run_id = ?').run(runId);
    const id = Number(
      store.db
        .prepare('INSERT INTO checkpoints (run_id, epoch, batch, reason, state, test_accuracy, best, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(runId, epoch, batch, reason, state, accuracy, isBest ? 1 : 0, nowIso()).lastInsertRowid,
    );
    store.db
      .prepare('DELETE FROM checkpoints WHERE run_id = ? AND best = 0 AND id NOT IN (SELECT id FROM checkpoints WHERE run_id = ? ORDER BY id DESC LIMIT ?)')
      .run(runId, runId, CHECKPOINTS_KEPT);
    return id;
  });
}

export function latestCheckpoint(store: Store, runId: number): Checkpoint | undefined {
  const r = store.db.prepare(`SELECT ${INFO_COLUMNS}, state FROM checkpoints WHERE run_id = ? ORDER BY id DESC LIMIT 1`).get(runId) as CheckpointRecord | undefined;
  return r && toCheckpoint(r);
}

/** A run's checkpoints without their bytes, newest first. */
export function listCheckpoints(store: Store, runId: number): CheckpointInfo[] {
  return (store.db.prepare(`SELECT ${INFO_COLUMNS} FROM checkpoints WHERE run_id = ? ORDER BY id DESC`).all(runId) as CheckpointRecord[]).map(toInfo);
}

export function readCheckpoint(store: Store, id: number): Checkpoint {
  const r = store.db.prepare(`SELECT ${INFO_COLUMNS}, state FROM checkpoints WHERE id = ?`).get(id) as CheckpointRecord | undefined;
  if (!r) throw new EngineError('unknown-checkpoint', `checkpoint ${id} does not exist (pruned or deleted with its run)`);
  return toCheckpoint(r);
}

/** The epoch whose weights a checkpoint holds: the one just finished for an epoch checkpoint, else the one in progress. */
export function weightsEpoch(c: CheckpointInfo): number {
  return c.reason === 'epoch' ? c.epoch - 1 : c.epoch;
}

/**
 * The checkpoint with the run's best test accuracy: the flagged one, else (checkpoints saved before
 * store version 5 carry no accuracy) the kept epoch checkpoint whose epoch scored best in the
 * run's metrics. Undefined when no epoch has ended.
 */
export function bestCheckpoint(store: Store, runId: number): CheckpointInfo | undefined {
  const kept = listCheckpoints(store, runId);
  const flagged = kept.find((c) => c.best);
  if (flagged) return flagged;
  const accuracy = new Map(listMetrics(store, runId, 'epoch').map((m) => [m.epoch, m.values.testAccuracy]));
  let found: CheckpointInfo | undefined;
  let top = -1;
  for (const c of [...kept].reverse()) {
    const a = c.reason === 'epoch' ? accuracy.get(weightsEpoch(c)) : undefined;
    if (typeof a === 'number' && a > top) [found, top] = [{ ...c, testAccuracy: a }, a];
  }
  return found;
}
