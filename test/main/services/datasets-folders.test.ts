import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadImageFolder } from '../../../engine/data/image-folder-node';
import { binEvents, encodeNmnist, parseNmnist, type EventStream } from '../../../engine/data/nmnist';
import { describeDataset, importDataset, loadEventDataset, loadImageDataset, previewSample } from '../../../main/services/datasets';
import { listDatasets } from '../../../main/store/datasets';
import type { Store } from '../../../main/store/db';
import { expectEngineError } from '../../helpers/errors';
import { jpeg, png } from '../../helpers/images';
import { chunkCount, same, useFileTemps } from './temp';

const { tempDir, tempStore } = useFileTemps();

function writeTree(root: string, files: Map<string, Uint8Array>): void {
  for (const [path, bytes] of files) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), bytes);
  }
}

// ---- N-MNIST ---------------------------------------------------------------------------------

/** A deterministic, time-ordered recording on the 34x34 sensor: 40 to 160 events over ~30 ms. */
function recording(seed: number): EventStream {
  let s = seed >>> 0;
  const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 8;
  const count = 40 + (next() % 120);
  const events: EventStream = { count, x: new Uint8Array(count), y: new Uint8Array(count), p: new Uint8Array(count), t: new Uint32Array(count) };
  let t = next() % 1000;
  for (let i = 0; i < count; i++) {
    t += next() % 400;
    events.x[i] = next() % 34;
    events.y[i] = next() % 34;
    events.p[i] = next() % 2;
    events.t[i] = t;
  }
  return events;
}

/** Train/{0,1,2}/ with 3 recordings each, Test/{0,1,2}/ with 2; file names out of text order. */
function nmnistTree(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let seed = 1;
  for (const [split, names] of [['Train', ['1.bin', '2.bin', '10.bin']], ['Test', ['3.bin', '20.bin']]] as const) {
    for (const digit of [0, 1, 2]) {
      for (const name of names) files.set(`${split}/${digit}/${name}`, encodeNmnist(recording(seed++)));
    }
  }
  return files;
}

describe('nmnist format', () => {
  const files = nmnistTree();
  let root: string;
  let store: Store;
  beforeAll(async () => {
    root = tempDir('stbp-nmnist-');
    writeTree(root, files);
    store = tempStore();
    await importDataset(store, { format: 'nmnist', name: 'nm', path: root });
  });

  it('stores every recording as its file bytes, with digit labels and the sensor size', () => {
    const [row] = listDatasets(store);
    expect(row).toMatchObject({
      name: 'nm',
      kind: 'events',
      source: root,
      splits: { train: 9, test: 6 },
      meta: { width: 34, height: 34, polarity: 2, classCount: 3, classNames: ['0', '1', '2'] },
    });
    const train = loadEventDataset(store, 'nm', 'train');
    expect(train).toMatchObject({ name: 'nm-train', count: 9, width: 34, height: 34, classCount: 3 });
    expect(Array.from(train.labels)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    const order = [0, 1, 2].flatMap((d) => ['1.bin', '2.bin', '10.bin'].map((n) => `Train/${d}/${n}`));
    order.forEach((path, i) => expect(same(train.samples[i]!, files.get(path)!), path).toBe(true));
    expect(loadEventDataset(store, row!.id, 'test', { limit: 4 }).count).toBe(4);
    expect(describeDataset(row!)).toContain('events, 34x34 sensor');
  });

  it('previews a recording as the frames binEvents makes of its events', () => {
    const events = parseNmnist(files.get('Test/1/20.bin')!, 'Test/1/20.bin');
    const timed = previewSample(store, 'nm', 'test', 3, { steps: 10, binning: { mode: 'time', dtUs: 2000 } });
    expect(timed).toMatchObject({ kind: 'events', label: 1, className: '1', width: 34, height: 34, steps: 10 });
    if (timed.kind !== 'events') throw new Error('expected an event preview');
    expect(same(timed.frames, binEvents(events, { steps: 10, mode: 'time', dtUs: 2000 }))).toBe(true);
    expect(timed.frames.some((v) => v === 1)).toBe(true);
    const counted = previewSample(store, 'nm', 'test', 3);
    if (counted.kind !== 'events') throw new Error('expected an event preview');
    expect(counted.frames).toHaveLength(30 * 2 * 34 * 34);
    expect(same(counted.frames, binEvents(events, { steps: 30, mode: 'count' }))).toBe(true);
  });

  it('refuses to read events as images', async () => {
    await expectEngineError(() => loadImageDataset(store, 'nm', 'test'), 'dataset-kind', '"nm"', 'events', "kind 'image'", 'loadEventDataset');
  });

  it('limitPerClass keeps the first recordings of each class', async () => {
    const small = tempStore();
    const row = await importDataset(small, { format: 'nmnist', name: 'nm1', path: root, options: { limitPerClass: 1 } });
    expect(row.splits).toEqual({ train: 3, test: 3 });
    await expectEngineError(importDataset(small, { format: 'nmnist', name: 'x', path: root, options: { limitPerClass: -1 } }), 'bad-option', 'limitPerClass');
  });

  it('a truncated recording is named, and nothing is stored', async () => {
    const broken = new Map(files);
    const bad = files.get('Test/2/20.bin')!;
    broken.set('Test/2/20.bin', bad.subarray(0, bad.length - 2));
    const brokenRoot = tempDir('stbp-nmnist-bad-');
    writeTree(brokenRoot, broken);
    const fresh = tempStore();
    await expectEngineError(importDataset(fresh, { format: 'nmnist', name: 'nm', path: brokenRoot }), 'bad-data', join(brokenRoot, 'Test/2/20.bin'), 'truncated');
    expect(listDatasets(fresh)).toEqual([]);
    expect(chunkCount(fresh)).toBe(0);
  });
});

// ---- image folders ---------------------------------------------------------------------------

/** cat/: five 16x16 images (PNG and JPEG, bright stripes); dog/: five 12x20 ones (dark gradients). */
function imageTree(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (let i = 0; i < 5; i++) {
    files.set(`cat/${i}.png`, png(16, 16, (x) => (x % 4 < 2 ? [250, 240, 230 - 10 * i] : [40, 40, 40])));
    files.set(`dog/${i}.${i % 2 ? 'jpg' : 'png'}`, i % 2 ? jpeg(12, 20, [20 * i, 10, 90]) : png(12, 20, (x, y) => [x * 5, y * 3 + i, 10]));
  }
  files.set('cat/extra.jpeg', jpeg(16, 16, [200, 180, 160]));
  return files;
}

describe('image-folder format', () => {
  const files = imageTree();
  let root: string;
  beforeAll(() => {
    root = tempDir('stbp-images-');
    writeTree(root, files);
  });

  it('imports 8x8 grey images with the folder names as classes, as loadImageFolder reads them', async () => {
    const store = tempStore();
    const options = { width: 8, height: 8, channels: 1, testFraction: 0.2, seed: 5 };
    const row = await importDataset(store, { format: 'image-folder', name: 'pets', path: root, options });
    expect(row).toMatchObject({
      kind: 'image',
      source: root,
      splits: { train: 9, test: 2 },
      meta: { shape: [8, 8, 1], classCount: 2, classNames: ['cat', 'dog'], importOptions: options },
    });
    const direct = await loadImageFolder(root, { width: 8, height: 8, channels: 1, testFraction: 0.2, seed: 5 });
    for (const split of ['train', 'test'] as const) {
      const loaded = loadImageDataset(store, 'pets', split);
      expect(loaded).toMatchObject({ name: `pets-${split}`, rows: 8, cols: 8, channels: 1, classCount: 2 });
      expect(same(loaded.pixels, direct[split].pixels), split).toBe(true);
      expect(same(loaded.labels, direct[split].labels), split).toBe(true);
    }
    const preview = previewSample(store, 'pets', 'test', 1, { steps: 5 });
    if (preview.kind !== 'image') throw new Error('expected an image preview');
    expect(preview).toMatchObject({ width: 8, height: 8, channels: 1, label: direct.test.labels[1], className: ['cat', 'dog'][direct.test.labels[1]!] });
    expect(preview.rgba).toHaveLength(8 * 8 * 4);
    expect(preview.raster).toHaveLength(5 * 8 * 8);
    expect(describeDataset(row)).toContain('classes: 2 (cat, dog)');
  });

  it('imports RGB with the default split', async () => {
    const store = tempStore();
    const row = await importDataset(store, { format: 'image-folder', name: 'rgb', path: root, options: { width: 4, height: 6, channels: 3 } });
    expect(row.meta.shape).toEqual([6, 4, 3]);
    expect(row.splits.train + row.splits.test).toBe(11);
    expect(previewSample(store, 'rgb', 'train', 0)).toMatchObject({ width: 4, height: 6, channels: 3, rgba: expect.any(Uint8ClampedArray) });
    expect(describeDataset(row)).toContain('images, 6x4 RGB');
  });

  it('needs a size, and refuses bad option values', async () => {
    const store = tempStore();
    await expectEngineError(importDataset(store, { format: 'image-folder', name: 'x', path: root }), 'bad-option', 'options.width is missing');
    await expectEngineError(importDataset(store, { format: 'image-folder', name: 'x', path: root, options: { width: 8, height: 8, channels: 2 } }), 'bad-option', 'channels', '1 (grey) or 3 (RGB)');
    await expectEngineError(importDataset(store, { format: 'image-folder', name: 'x', path: root, options: { width: 8, height: 8, testFraction: 1 } }), 'bad-option', 'testFraction', '[0, 1)');
    expect(listDatasets(store)).toEqual([]);
  });

  it('an undecodable image is named, and nothing is stored', async () => {
    const broken = new Map(files);
    const good = png(16, 16, () => [1, 2, 3]);
    broken.set('dog/zz-broken.png', good.subarray(0, 40)); // a PNG signature and a cut-off header
    const brokenRoot = tempDir('stbp-images-bad-');
    writeTree(brokenRoot, broken);
    const store = tempStore();
    await expectEngineError(
      importDataset(store, { format: 'image-folder', name: 'pets', path: brokenRoot, options: { width: 8, height: 8, testFraction: 0 } }),
      'bad-data',
      join(brokenRoot, 'dog/zz-broken.png'),
      'cannot be decoded',
    );
    expect(listDatasets(store)).toEqual([]);
    expect(chunkCount(store)).toBe(0);
    // Without it the same tree imports: it was that file, not the folder.
    rmSync(join(brokenRoot, 'dog/zz-broken.png'));
    const row = await importDataset(store, { format: 'image-folder', name: 'pets', path: brokenRoot, options: { width: 8, height: 8, testFraction: 0 } });
    expect(row.splits).toEqual({ train: 11, test: 0 });
  });
});
