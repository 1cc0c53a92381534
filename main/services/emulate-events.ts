/**
 * Event-camera emulation of a stored image dataset (engine/data/emulate-events.ts): every image of
 * both splits recorded as an N-MNIST-like event stream, stored as a new 'events' dataset that
 * trains, previews and evaluates exactly like an imported N-MNIST. Its meta says it is emulated,
 * from which dataset and with which parameters.
 *
 * Long-running (MNIST's 70,000 images take minutes), so it works in slices of `sliceMs` and yields
 * to the event loop between them: the app's main thread keeps serving, progress is reported, and a
 * cancel is heard. The recordings are stored at the end, in slices too (a full MNIST is 1.6 GB):
 * the dataset appears only once whole, and a refusal, a cancel or a crash leaves nothing behind.
 */
import type { ImageDataset } from '../../engine/data/dataset';
import { emulateEvents, emulationParams, makeSensor, type EmulationParams } from '../../engine/data/emulate-events';
import { recordingUs } from '../../engine/data/saccades';
import { encodeNmnist } from '../../engine/data/nmnist';
import { EngineError } from '../../engine/errors';
import { checkName } from '../store/codec';
import { getDataset, requireDataset, storeEventDataset, SPLITS, type DatasetMeta, type DatasetRow, type EventSplit, type Split } from '../store/datasets';
import type { Store } from '../store/db';
import { datasetClassNames, loadImageDataset } from './datasets';

export interface EmulateEventsRequest {
  /** The image dataset to record, by id or name. */
  dataset: number | string;
  /** The new dataset's name; must be free. */
  name: string;
  /** Only the first `limit` images of each split; all when absent. */
  limit?: number;
  /** Emulator parameters that differ from `DEFAULT_EMULATION`. */
  params?: Partial<EmulationParams>;
}

export interface EmulationProgress {
  split: Split;
  /** Images recorded so far, both splits together, out of `total`. */
  done: number;
  total: number;
  /** Events recorded so far. */
  events: number;
  seconds: number;
  /** Once every image is recorded: dataset chunks stored so far, of all of them. */
  storing?: { chunks: number; of: number };
}

export interface EmulateOptions {
  onProgress?: (progress: EmulationProgress) => void;
  /** Aborting stops the work at the next slice; nothing is stored. */
  signal?: AbortSignal;
  /** Longest stretch of work between two yields to the event loop, ms (default 50). */
  sliceMs?: number;
}

/** What an emulated dataset's `meta.emulated` records. */
export interface EmulationRecord {
  from: { id: number; name: string; source: string };
  /** Images per split taken from the source: all, or the first `limit`. */
  limit: number | null;
  params: EmulationParams;
  /** Mean events per recording, per split. */
  meanEvents: Record<Split, number>;
  /** How the images were made grey: as they were, or by Rec. 601 luma from RGB. */
  grey: 'as stored' | 'luma from RGB';
  seconds: number;
}

export async function emulateEventDataset(store: Store, request: EmulateEventsRequest, options: EmulateOptions = {}): Promise<DatasetRow> {
  const name = checkName('emulateEvents', 'name', request.name);
  const where = `emulateEvents ${JSON.stringify(name)}`;
  if (store.db.readonly) {
    throw new EngineError('store-readonly', `${where}: store ${store.path} is open read-only; allowed: a read-write store (emulation stores a dataset)`);
  }
  const taken = getDataset(store, name);
  if (taken) {
    throw new EngineError('dataset-exists', `${where}: the name ${JSON.stringify(name)} is taken by dataset ${taken.id}; allowed: a name no dataset has (or delete that one first)`);
  }
  const source = requireDataset(store, request.dataset);
  if (source.kind !== 'image') {
    throw new EngineError('dataset-kind', `${where}: dataset ${JSON.stringify(source.name)} holds events already; allowed: a dataset of images`);
  }
  const limit = request.limit;
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 1)) {
    throw new EngineError('bad-option', `${where}: limit is ${JSON.stringify(limit)}; allowed: an integer >= 1, or none for every image`);
  }
  const params = emulationParams(request.params ?? {});
  const splits = SPLITS.map((split) => loadImageDataset(store, source.id, split, { limit }));
  const { rows, cols, channels } = splits[0]!;
  const grey = greyConverter(where, source.name, channels);
  const sensor = makeSensor(rows, cols, params);

  const started = performance.now();
  const recorded = {} as Record<Split, EventSplit>;
  const meanEvents = {} as Record<Split, number>;
  const total = splits.reduce((n, ds) => n + ds.count, 0);
  let done = 0;
  let events = 0;
  const report = (split: Split, storing?: EmulationProgress['storing']) =>
    options.onProgress?.({ split, done, total, events, seconds: (performance.now() - started) / 1000, ...(storing && { storing }) });
  const sliceMs = options.sliceMs ?? 50;
  for (const [s, ds] of splits.entries()) {
    const split = SPLITS[s]!;
    const samples: Uint8Array[] = [];
    let splitEvents = 0;
    let sliceStart = performance.now();
    for (let i = 0; i < ds.count; i++) {
      if (performance.now() - sliceStart >= sliceMs) {
        report(split);
        await yieldToEventLoop();
        if (options.signal?.aborted) throw new EngineError('cancelled', `${where}: cancelled after ${done} of ${total} images; nothing was stored`);
        sliceStart = performance.now();
      }
      const stream = emulateEvents(grey(ds, i), sensor);
      samples.push(encodeNmnist(stream));
      splitEvents += stream.count;
      events += stream.count;
      done++;
    }
    recorded[split] = { samples, labels: ds.labels };
    meanEvents[split] = ds.count ? Math.round(splitEvents / ds.count) : 0;
    report(split);
  }
  if (options.signal?.aborted) throw new EngineError('cancelled', `${where}: cancelled after ${done} of ${total} images; nothing was stored`);

  const emulated: EmulationRecord = {
    from: { id: source.id, name: source.name, source: source.source },
    limit: limit ?? null,
    params,
    meanEvents,
    grey: channels === 1 ? 'as stored' : 'luma from RGB',
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
  const classNames = datasetClassNames(source);
  const meta: DatasetMeta = {
    width: sensor.width,
    height: sensor.height,
    polarity: 2,
    classCount: classNames.length,
    classNames,
    durationUs: recordingUs(params),
    emulated,
  };
  const id = await storeEventDataset(
    store,
    { name, source: `emulated from dataset ${JSON.stringify(source.name)} (${source.source})`, meta, train: recorded.train, test: recorded.test },
    { sliceMs, signal: options.signal, onProgress: (chunks, of) => report('test', { chunks, of }) },
  );
  return requireDataset(store, id);
}

/** The emulation record of a dataset, when it was made by `emulateEventDataset`. */
export function emulationOf(row: DatasetRow): EmulationRecord | undefined {
  const record = row.meta.emulated;
  return typeof record === 'object' && record !== null ? (record as EmulationRecord) : undefined;
}

/** Image i of a dataset as grey bytes: as stored, or by Rec. 601 luma (0.299 R + 0.587 G + 0.114 B) from RGB. */
function greyConverter(where: string, name: string, channels: number): (ds: ImageDataset, i: number) => Uint8Array {
  if (channels === 1) return (ds, i) => ds.pixels.subarray(i * ds.rows * ds.cols, (i + 1) * ds.rows * ds.cols);
  if (channels !== 3) {
    throw new EngineError('bad-data', `${where}: dataset ${JSON.stringify(name)} has ${channels} channels; allowed: 1 (grey) or 3 (RGB, made grey by luma)`);
  }
  let grey = new Uint8Array(0);
  return (ds, i) => {
    const n = ds.rows * ds.cols;
    if (grey.length !== n) grey = new Uint8Array(n);
    const rgb = ds.pixels.subarray(i * n * 3, (i + 1) * n * 3);
    for (let p = 0; p < n; p++) grey[p] = Math.round(0.299 * rgb[3 * p]! + 0.587 * rgb[3 * p + 1]! + 0.114 * rgb[3 * p + 2]!);
    return grey;
  };
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
