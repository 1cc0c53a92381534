import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageDataset } from '../../../engine/data/dataset';
import { IdxError } from '../../../engine/data/idx';
import { readIdxImagesPrefix } from '../../../engine/data/idx-file-node';
import { readIdxPair } from '../../../engine/data/idx-pair-node';
import { EngineError } from '../../../engine/errors';

const FASHION = '/usr/share/datasets/fashion-mnist';
const fashion = (file: string) => join(FASHION, file);

/** IDX bytes by hand: 0 0 0x08 <dims>, big-endian dims, data. */
function idx(dims: number[], data: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, 8, dims.length]);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

// 3 images of 2x2 with pixels 1..12 and labels 2, 0, 1.
const IMAGES = idx([3, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
const LABELS = idx([3], [2, 0, 1]);

describe('readIdxPair on Debian\'s Fashion-MNIST (gzip as distributed)', () => {
  let train: ImageDataset;
  let test: ImageDataset;
  let rawTrainImages: Uint8Array;

  beforeAll(async () => {
    [train, test] = await Promise.all([
      readIdxPair(fashion('train-images-idx3-ubyte.gz'), fashion('train-labels-idx1-ubyte.gz'), { name: 'fashion-train' }),
      readIdxPair(fashion('t10k-images-idx3-ubyte.gz'), fashion('t10k-labels-idx1-ubyte.gz')),
    ]);
    // Independent of our reader: zlib straight on the file, pixels at the 16-byte header offset.
    rawTrainImages = new Uint8Array(gunzipSync(await readFile(fashion('train-images-idx3-ubyte.gz'))));
  }, 60_000);

  it('has 60000 + 10000 images of 28x28 in 10 classes', () => {
    expect([train.count, train.rows, train.cols, train.channels, train.classCount]).toEqual([60000, 28, 28, 1, 10]);
    expect([test.count, test.rows, test.cols, test.channels, test.classCount]).toEqual([10000, 28, 28, 1, 10]);
    expect(train.pixels.length).toBe(60000 * 784);
    expect(train.labels.length).toBe(60000);
  });

  it('names the set as asked, else after the images file without .gz', () => {
    expect(train.name).toBe('fashion-train');
    expect(test.name).toBe('t10k-images-idx3-ubyte');
  });

  it('starts with label 9 (ankle boot) in both splits, and is balanced: 6000 / 1000 per class', () => {
    expect(train.labels[0]).toBe(9);
    expect(test.labels[0]).toBe(9);
    const perClass = (labels: Uint8Array) => labels.reduce((n, l) => (n[l]++, n), new Array<number>(10).fill(0));
    expect(perClass(train.labels)).toEqual(new Array(10).fill(6000));
    expect(perClass(test.labels)).toEqual(new Array(10).fill(1000));
  });

  it('has the bytes zlib finds after the 16-byte header (first and last image)', () => {
    const first = rawTrainImages.subarray(16, 16 + 784);
    const last = rawTrainImages.subarray(16 + 59999 * 784);
    expect(train.pixels.subarray(0, 784)).toEqual(first);
    expect(train.pixels.subarray(59999 * 784)).toEqual(last);
  });

  it('with a limit keeps the first images, reports the whole set\'s classes, and copies them out', async () => {
    const few = await readIdxPair(fashion('t10k-images-idx3-ubyte.gz'), fashion('t10k-labels-idx1-ubyte.gz'), { limit: 3 });
    expect(few.count).toBe(3);
    expect(few.classCount).toBe(10);
    expect(few.labels).toEqual(test.labels.subarray(0, 3));
    expect(few.pixels).toEqual(test.pixels.subarray(0, 3 * 784));
    expect(few.pixels.buffer.byteLength).toBe(3 * 784); // not a view pinning the 7.8 MB file
  });
});

describe('readIdxPair, raw and gzip alike', () => {
  let dir: string;
  const path = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'idx-pair-'));
    const png = PNG.sync.write(Object.assign(new PNG({ width: 2, height: 2 }), { data: Buffer.alloc(16, 200) }));
    const files: [string, Uint8Array][] = [
      ['images', IMAGES],
      ['labels', LABELS],
      ['images.gz', gzipSync(IMAGES)],
      ['labels.gz', gzipSync(LABELS)],
      ['truncated.gz', gzipSync(IMAGES).subarray(0, 20)],
      ['png.gz', gzipSync(png)],
      ['corrupt.gz', Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff)],
      ['idx-truncated.gz', gzipSync(IMAGES.subarray(0, IMAGES.length - 1))],
      ['labels4.gz', gzipSync(idx([4], [0, 1, 2, 3]))],
      ['labels-high.gz', gzipSync(idx([3], [2, 0, 7]))],
    ];
    await Promise.all(files.map(([name, bytes]) => writeFile(path(name), bytes)));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const golden = {
    count: 3,
    rows: 2,
    cols: 2,
    channels: 1,
    pixels: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
    labels: Uint8Array.of(2, 0, 1),
    classCount: 3, // max label 2, + 1
  };

  it.each([
    ['raw + raw', 'images', 'labels'],
    ['gzip + gzip', 'images.gz', 'labels.gz'],
    ['gzip + raw', 'images.gz', 'labels'],
  ])('reads %s to the same hand-built dataset', async (_, images, labels) => {
    expect(await readIdxPair(path(images), path(labels), { name: 'tiny' })).toEqual({ name: 'tiny', ...golden });
  });

  it.each([
    ['images', 'labels'],
    ['images.gz', 'labels.gz'],
  ])('limits %s to the first images; the class count stays that of every label', async (images, labels) => {
    const ds = await readIdxPair(path(images), path(labels), { limit: 2 });
    expect(ds).toMatchObject({ count: 2, pixels: golden.pixels.subarray(0, 8), labels: Uint8Array.of(2, 0), classCount: 3 });
  });

  it('readIdxImagesPrefix reads gzip too, with the header count', async () => {
    const { fileCount, images } = await readIdxImagesPrefix(path('images.gz'), 1);
    expect(fileCount).toBe(3);
    expect(images).toEqual({ count: 1, rows: 2, cols: 2, pixels: Uint8Array.of(1, 2, 3, 4) });
  });

  // Each bad file fails the full read and the limited read alike, with an error naming the file.
  const BAD: [string, string, string, RegExp][] = [
    ['a truncated .gz', 'truncated.gz', 'labels', /truncated\.gz: starts like gzip \(1f 8b\) but does not decompress \(unexpected end of file\): the file is truncated or corrupt/],
    ['a corrupt .gz', 'corrupt.gz', 'labels', /corrupt\.gz: starts like gzip \(1f 8b\) but does not decompress \(.+\)/],
    ['a gzip of a PNG', 'png.gz', 'labels', /png\.gz: bad magic bytes 0x89 0x50 0x4e 0x47: an IDX file starts with .*; this is a PNG image, not IDX$/],
    ['a gzip of a truncated IDX', 'idx-truncated.gz', 'labels', /idx-truncated\.gz: truncated: 3 dimensions \[3, 2, 2\] of u8 expect 12 bytes of data, found 11$/],
    ['labels and images swapped (the images file is named first)', 'labels.gz', 'images.gz', /labels\.gz: expected an images file .* got 1 dimension \[3\]: is this a labels file\?$/],
    ['counts that disagree', 'images.gz', 'labels4.gz', /images file '.*images\.gz' has 3 images but labels file '.*labels4\.gz' has 4 labels/],
  ];

  it.each(BAD)('rejects %s', async (_, images, labels, expected) => {
    for (const limit of [undefined, 1]) {
      const error = await readIdxPair(path(images), path(labels), { limit }).catch((e: unknown) => e);
      expect(error, `limit ${limit}`).toBeInstanceOf(IdxError);
      expect((error as EngineError).code).toBe('bad-data');
      expect((error as Error).message).toMatch(expected);
    }
  });

  it('rejects a label not below the declared class count, even one beyond the limit', async () => {
    for (const limit of [undefined, 1]) {
      await expect(readIdxPair(path('images.gz'), path('labels-high.gz'), { limit, classCount: 5 })).rejects.toThrow(
        /labels-high\.gz: label 7 at index 2 is not below the class count 5 \(allowed 0\.\.4\)/,
      );
    }
  });

  it.each([-1, 1.5, Number.NaN])('rejects limit %s', async (limit) => {
    const error = await readIdxPair(path('images'), path('labels'), { limit }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('bad-option');
    expect((error as Error).message).toMatch(new RegExp(`images': limit is ${limit}; allowed: an integer >= 0, or undefined for all`));
  });

  it('names a missing file', async () => {
    await expect(readIdxPair(path('nope.gz'), path('labels'))).rejects.toThrow(/nope\.gz/);
  });
});
