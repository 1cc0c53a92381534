/**
 * A run's metric series: one row per batch and one per epoch, JSON values (main/runs/messages.ts
 * says their shapes). Each write is one transaction.
 */
import { checkInteger, checkOneOf, fromJson, toJson, type JsonObject } from './codec';
import type { Store } from './db';
import { requireRun } from './runs';

export const METRIC_SCOPES = ['batch', 'epoch'] as const;
export type MetricScope = (typeof METRIC_SCOPES)[number];

export interface MetricRow {
  epoch: number;
  /** The batch within the epoch; 0 for epoch rows. */
  batch: number;
  /** Optimiser steps taken so far (the x axis of charts). */
  step: number;
  /** e.g. {loss, accuracy} per batch; {trainLoss, trainAccuracy, testAccuracy, firingRates, seconds} per epoch. */
  values: JsonObject;
}

export interface BatchMetrics {
  epoch: number;
  batch: number;
  step: number;
  values: object;
}

export interface EpochMetrics {
  epoch: number;
  step: number;
  values: object;
}

/**
 * Replacing, not appending: a run resumed from a checkpoint replays the batches after it, and their
 * new values overwrite the old ones under the same (epoch, batch) key.
 */
function upsertMetrics(store: Store, where: string, runId: number, scope: MetricScope, rows: readonly BatchMetrics[]): void {
  const prepared = rows.map((r, i) => [
    checkInteger(where, `rows[${i}].epoch`, r.epoch),
    checkInteger(where, `rows[${i}].batch`, r.batch),
    checkInteger(where, `rows[${i}].step`, r.step),
    toJson(where, `rows[${i}].values`, r.values),
  ]);
  store.transaction(() => {
    requireRun(store, runId);
    const upsert = store.db.prepare('INSERT OR REPLACE INTO metrics (run_id, scope, epoch, batch, step, "values") VALUES (?, ?, ?, ?, ?, ?)');
    for (const row of prepared) upsert.run(runId, scope, ...row);
  });
}

/** Many batch rows in one transaction (a progress message carries several). */
export function recordBatchMetrics(store: Store, runId: number, rows: readonly BatchMetrics[]): void {
  upsertMetrics(store, 'recordBatchMetrics', runId, 'batch', rows);
}

export function recordEpochMetrics(store: Store, runId: number, row: EpochMetrics): void {
  upsertMetrics(store, 'recordEpochMetrics', runId, 'epoch', [{ ...row, batch: 0 }]);
}

/** A run's metrics of one scope, in (epoch, batch) order. */
export function listMetrics(store: Store, runId: number, scope: MetricScope): MetricRow[] {
  checkOneOf('listMetrics', 'scope', scope, METRIC_SCOPES);
  const records = store.db
    .prepare('SELECT epoch, batch, step, "values" FROM metrics WHERE run_id = ? AND scope = ? ORDER BY epoch, batch')
    .all(runId, scope) as { epoch: number; batch: number; step: number; values: string }[];
  return records.map((r) => ({ epoch: r.epoch, batch: r.batch, step: r.step, values: fromJson(r.values) as JsonObject }));
}


/**
 * A run's first and last batch rows, without reading the rest: what the untrained network scored,
 * and how far the run got (a run summary needs only these, for every run in a list).
 */
export function batchMetricEnds(store: Store, runId: number): { first?: MetricRow; last?: MetricRow } {
  const row = (order: 'ASC' | 'DESC'): MetricRow | undefined => {
    const r = store.db
      .prepare(`SELECT epoch, batch, step, "values" FROM metrics WHERE run_id = ? AND scope = 'batch' ORDER BY epoch ${order}, batch ${order} LIMIT 1`)
      .get(runId) as { epoch: number; batch: number; step: number; values: string } | undefined;
    return r && { epoch: r.epoch, batch: r.batch, step: r.step, values: fromJson(r.values) as JsonObject };
  };
  return { first: row('ASC'), last: row('DESC') };
}
