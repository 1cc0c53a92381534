/**
 * What a run records besides its metrics: probes (spike rasters, membrane traces, confusion
 * counts: packed bytes plus JSON meta) and the files exported from it. Each write is one transaction.
 */
import { checkBytes, checkInteger, checkName, checkOneOf, fromJson, nowIso, ownedBytes, toBlob, toJson, type JsonObject } from './codec';
import type { Store } from './db';
import { requireRun } from './runs';

export const PROBE_KINDS = ['raster', 'membrane', 'rates', 'confusion'] as const;
export type ProbeKind = (typeof PROBE_KINDS)[number];

export interface ProbeRow {
  id: number;
  runId: number;
  epoch: number;
  kind: ProbeKind;
  layer: number | null;
  sample: number | null;
  /** Packed values; `meta` says how to read them (shape, dtype, …). */
  data: Uint8Array;
  meta: JsonObject;
  createdAt: string;
}

export interface SaveProbe {
  epoch: number;
  kind: ProbeKind;
  layer?: number;
  sample?: number;
  data: Uint8Array;
  meta: object;
}

export function saveProbe(store: Store, runId: number, input: SaveProbe): number {
  const where = 'saveProbe';
  const epoch = checkInteger(where, 'epoch', input.epoch);
  const kind = checkOneOf(where, 'kind', input.kind, PROBE_KINDS);
  const layer = input.layer === undefined ? null : checkInteger(where, 'layer', input.layer);
  const sample = input.sample === undefined ? null : checkInteger(where, 'sample', input.sample);
  const data = toBlob(checkBytes(where, 'data', input.data));
  const meta = toJson(where, 'meta', input.meta);
  return store.transaction(() => {
    requireRun(store, runId);
    return Number(
      store.db
        .prepare('INSERT INTO probes (run_id, epoch, kind, layer, sample, data, meta, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(runId, epoch, kind, layer, sample, data, meta, nowIso()).lastInsertRowid,
    );
  });
}

/** Epochs a run has probes of that kind for, ascending (0 is before training). */
export function probeEpochs(store: Store, runId: number, kind: ProbeKind): number[] {
  checkOneOf('probeEpochs', 'kind', kind, PROBE_KINDS);
  const rows = store.db.prepare('SELECT DISTINCT epoch FROM probes WHERE run_id = ? AND kind = ? ORDER BY epoch').all(runId, kind) as { epoch: number }[];
  return rows.map((r) => r.epoch);
}

/** A run's probes in the order they were saved, optionally of one kind and/or one epoch only. */
export function listProbes(store: Store, runId: number, opts: { kind?: ProbeKind; epoch?: number } = {}): ProbeRow[] {
  const kind = opts.kind === undefined ? null : checkOneOf('listProbes', 'kind', opts.kind, PROBE_KINDS);
  const epoch = opts.epoch === undefined ? null : checkInteger('listProbes', 'epoch', opts.epoch);
  const records = store.db
    .prepare('SELECT * FROM probes WHERE run_id = ? AND (? IS NULL OR kind = ?) AND (? IS NULL OR epoch = ?) ORDER BY id')
    .all(runId, kind, kind, epoch, epoch) as {
    id: number;
    run_id: number;
    epoch: number;
    kind: ProbeKind;
    layer: number | null;
    sample: number | null;
    data: Buffer;
    meta: string;
    created_at: string;
  }[];
  return records.map((r) => ({
    id: r.id,
    runId: r.run_id,
    epoch: r.epoch,
    kind: r.kind,
    layer: r.layer,
    sample: r.sample,
    data: ownedBytes(r.data),
    meta: fromJson(r.meta) as JsonObject,
    createdAt: r.created_at,
  }));
}

// ---- exports ---------------------------------------------------------------------------------

export interface ExportRow {
  id: number;
  runId: number;
  /** e.g. 'bundle', 'nir'. */
  format: string;
  path: string;
  createdAt: string;
}

export function recordExport(store: Store, runId: number, input: { format: string; path: string }): number {
  const format = checkName('recordExport', 'format', input.format);
  const path = checkName('recordExport', 'path', input.path);
  return store.transaction(() => {
    requireRun(store, runId);
    return Number(
      store.db.prepare('INSERT INTO exports (run_id, format, path, created_at) VALUES (?, ?, ?, ?)').run(runId, format, path, nowIso())
        .lastInsertRowid,
    );
  });
}

export function listExports(store: Store, runId: number): ExportRow[] {
  const records = store.db.prepare('SELECT * FROM exports WHERE run_id = ? ORDER BY id').all(runId) as {
    id: number;
    run_id: number;
    format: string;
    path: string;
    created_at: string;
  }[];
  return records.map((r) => ({ id: r.id, runId: r.run_id, format: r.format, path: r.path, createdAt: r.created_at }));
}
