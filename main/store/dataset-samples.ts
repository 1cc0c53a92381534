/**
 * Reading a dataset's samples from its chunks (datasets.ts describes the layout): whole splits for
 * training, one sample or a page of them for previews. Every chunk read is checked against its
 * checksum and for gaps, so damaged samples are refused, never returned.
 */
import { EngineError } from '../../engine/errors';
import { checkInteger, checkOneOf, ownedBytes, viewBytes } from './codec';
import { verifyChunk } from './chunk-checksum';
import { storeDamaged } from './damage';
import type { Store } from './db';
import { requireDataset, SPLITS, type DatasetKind, type DatasetRow, type DatasetSample, type EventSplit, type ImageSplit, type Split } from './datasets';

interface ChunkRecord {
  chunk: number;
  first: number;
  count: number;
  data: Buffer;
  labels: Buffer;
  lengths: Buffer | null;
  checksum: number | null;
}

const CHUNK_COLUMNS = 'chunk, first, count, data, labels, lengths, checksum';

/**
 * `chunks` (in order) checked against their checksums and for covering samples [from, to) with no
 * gap: damaged or missing samples are refused, never returned as pixels (or as zeros).
 */
function verified(store: Store, dataset: DatasetRow, split: Split, chunks: ChunkRecord[], from: number, to: number): ChunkRecord[] {
  const missing = (a: number, b: number) =>
    storeDamaged(store.path, `dataset ${JSON.stringify(dataset.name)} ${split} has ${dataset.splits[split]} samples but no chunk holds samples ${a} to ${b - 1}`);
  let next = from;
  for (const c of chunks) {
    verifyChunk({ storePath: store.path, dataset: dataset.name, split }, c);
    if (c.first > next) throw missing(next, c.first);
    next = Math.max(next, c.first + c.count);
  }
  if (next < to) throw missing(next, to);
  return chunks;
}

function requireKind(dataset: DatasetRow, kind: DatasetKind, reader: string): void {
  if (dataset.kind !== kind) {
    throw new EngineError(
      'dataset-kind',
      `${reader}: dataset ${JSON.stringify(dataset.name)} holds ${dataset.kind === 'image' ? 'images' : 'events'}; ` +
        `allowed: a dataset of kind '${kind}'`,
    );
  }
}

/** How many samples a read returns: all, or the first `limit`. */
function readCount(reader: string, total: number, limit: number | undefined): number {
  return limit === undefined ? total : Math.min(total, checkInteger(reader, 'limit', limit));
}

/**
 * Runs a multi-statement read in one deferred transaction: one snapshot, so a dataset deleted or
 * added meanwhile by another connection is seen whole or not at all, without taking the write lock.
 */
function snapshot<T>(store: Store, read: () => T): T {
  return store.db.transaction(read).deferred();
}

/** The chunks holding samples [0, count), in order, verified. */
function chunksBefore(store: Store, dataset: DatasetRow, split: Split, count: number): ChunkRecord[] {
  const chunks = store.db
    .prepare(`SELECT ${CHUNK_COLUMNS} FROM dataset_chunks WHERE dataset_id = ? AND split = ? AND first < ? ORDER BY chunk`)
    .all(dataset.id, split, count) as ChunkRecord[];
  return verified(store, dataset, split, chunks, 0, count);
}

/** The images of one split, concatenated; the first `limit` only when given. */
export function readImageSplit(store: Store, id: number, split: Split, opts: { limit?: number } = {}): ImageSplit {
  return snapshot(store, () => readImages(store, id, split, opts.limit));
}

function readImages(store: Store, id: number, split: Split, limit: number | undefined): ImageSplit {
  const reader = 'readImageSplit';
  const dataset = requireDataset(store, id);
  requireKind(dataset, 'image', reader);
  checkOneOf(reader, 'split', split, SPLITS);
  const count = readCount(reader, dataset.splits[split], limit);
  const chunks = chunksBefore(store, dataset, split, count);
  const sampleBytes = chunks.length ? chunks[0]!.data.length / chunks[0]!.count : 0;
  const pixels = new Uint8Array(count * sampleBytes);
  const labels = new Uint8Array(count);
  for (const c of chunks) {
    const take = Math.min(c.count, count - c.first);
    pixels.set(c.data.subarray(0, take * sampleBytes), c.first * sampleBytes);
    labels.set(c.labels.subarray(0, take), c.first);
  }
  return { count, pixels, labels };
}

/** The event recordings of one split; the first `limit` only when given. */
export function readEventSplit(store: Store, id: number, split: Split, opts: { limit?: number } = {}): EventSplit {
  return snapshot(store, () => readEvents(store, id, split, opts.limit));
}

function readEvents(store: Store, id: number, split: Split, limit: number | undefined): EventSplit {
  const reader = 'readEventSplit';
  const dataset = requireDataset(store, id);
  requireKind(dataset, 'events', reader);
  checkOneOf(reader, 'split', split, SPLITS);
  const count = readCount(reader, dataset.splits[split], limit);
  const samples: Uint8Array[] = [];
  const labels = new Uint8Array(count);
  for (const c of chunksBefore(store, dataset, split, count)) {
    const take = Math.min(c.count, count - c.first);
    samples.push(...eventSamples(c).slice(0, take));
    labels.set(c.labels.subarray(0, take), c.first);
  }
  return { samples, labels };
}

/** One sample, e.g. for a preview: reads only the chunk that holds it. */
export function readSample(store: Store, id: number, split: Split, index: number): DatasetSample {
  return snapshot(store, () => readOne(store, id, split, index));
}

function readOne(store: Store, id: number, split: Split, index: number): DatasetSample {
  const reader = 'readSample';
  const dataset = requireDataset(store, id);
  checkOneOf(reader, 'split', split, SPLITS);
  const count = dataset.splits[split];
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new EngineError(
      'sample-out-of-range',
      `${reader}: sample index ${index} of dataset ${JSON.stringify(dataset.name)} split '${split}' is out of range; ` +
        `allowed: ${count ? `0 to ${count - 1}` : 'none, the split is empty'}`,
    );
  }
  const found = store.db
    .prepare(`SELECT ${CHUNK_COLUMNS} FROM dataset_chunks WHERE dataset_id = ? AND split = ? AND first <= ? ORDER BY chunk DESC LIMIT 1`)
    .all(id, split, index) as ChunkRecord[];
  const [c] = verified(store, dataset, split, found, index, index + 1) as [ChunkRecord];
  const at = index - c.first;
  const label = c.labels[at]!;
  if (dataset.kind === 'events') return { label, data: ownedBytes(eventSamples(c)[at]!) };
  const sampleBytes = c.data.length / c.count;
  return { label, data: ownedBytes(c.data.subarray(at * sampleBytes, (at + 1) * sampleBytes)) };
}

/**
 * Samples [offset, offset + count) of a split, clipped to its end (a page of a sample browser):
 * reads only the chunks that hold them.
 */
export function readSampleRange(store: Store, id: number, split: Split, offset: number, count: number): DatasetSample[] {
  return snapshot(store, () => {
    const reader = 'readSampleRange';
    const dataset = requireDataset(store, id);
    checkOneOf(reader, 'split', split, SPLITS);
    checkInteger(reader, 'offset', offset);
    checkInteger(reader, 'count', count);
    const end = Math.min(dataset.splits[split], offset + count);
    if (end <= offset) return [];
    const rows = store.db
      .prepare(`SELECT ${CHUNK_COLUMNS} FROM dataset_chunks WHERE dataset_id = ? AND split = ? AND first < ? AND first + count > ? ORDER BY chunk`)
      .all(id, split, end, offset) as ChunkRecord[];
    const chunks = verified(store, dataset, split, rows, offset, end);
    const samples: DatasetSample[] = [];
    for (const c of chunks) {
      const events = dataset.kind === 'events' ? eventSamples(c) : undefined;
      const sampleBytes = c.data.length / c.count;
      for (let i = Math.max(offset, c.first); i < Math.min(end, c.first + c.count); i++) {
        const at = i - c.first;
        const data = events ? events[at]! : c.data.subarray(at * sampleBytes, (at + 1) * sampleBytes);
        samples.push({ label: c.labels[at]!, data: ownedBytes(data) });
      }
    }
    return samples;
  });
}

function eventSamples(c: ChunkRecord): Uint8Array[] {
  const data = viewBytes(c.data);
  const lengths = new DataView(c.lengths!.buffer, c.lengths!.byteOffset, c.lengths!.byteLength);
  const samples: Uint8Array[] = [];
  let offset = 0;
  for (let i = 0; i < c.count; i++) {
    const length = lengths.getUint32(4 * i, true);
    samples.push(data.subarray(offset, offset + length));
    offset += length;
  }
  return samples;
}
