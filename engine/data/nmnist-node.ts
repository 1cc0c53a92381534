/**
 * Node seam for N-MNIST as distributed (Train.zip / Test.zip extracted side by side):
 *
 *     root/Train/<digit>/<id>.bin     root/Test/<digit>/<id>.bin
 *
 * Every file is read and validated by `parseNmnist`; the dataset keeps its raw bytes.
 */
import { join } from 'node:path';
import { EngineError } from '../errors';
import type { EventDataset } from './dataset';
import { listFolder, mapLimit } from './folder-node';
import { NMNIST_SIZE, parseNmnist } from './nmnist';
import { readRegularFile } from './regular-file-node';

export interface LoadNmnistOptions {
  /** Keep only the first N files (in file-name order) of every class of each split; all when undefined. */
  limitPerClass?: number;
}

const SPLIT_FOLDERS = ['Train', 'Test'] as const;

/** Files read at once: enough to keep the disk busy, far below any open-file limit. */
const READ_CONCURRENCY = 32;

/**
 * The most bytes one recording may hold: 16 MiB is over 3 million events (5 bytes each), where a
 * real N-MNIST recording (three 100 ms saccades on a 34x34 sensor) holds a few thousand.
 */
export const NMNIST_MAX_FILE_BYTES = 16 * 2 ** 20;
const RECORDING = { what: 'N-MNIST recording', maxBytes: NMNIST_MAX_FILE_BYTES };

interface ClassFiles {
  digit: number;
  paths: string[];
}

export async function loadNmnistFolder(
  root: string,
  opts: LoadNmnistOptions = {},
): Promise<{ train: EventDataset; test: EventDataset }> {
  const { limitPerClass } = opts;
  if (limitPerClass !== undefined && !(Number.isSafeInteger(limitPerClass) && limitPerClass >= 0)) {
    throw new EngineError('bad-option', `loadNmnistFolder: limitPerClass is ${limitPerClass}; allowed: an integer >= 0, or undefined for all`);
  }
  const { dirs } = await listFolder(root, 'N-MNIST folder');
  for (const folder of SPLIT_FOLDERS) {
    if (!dirs.includes(folder)) {
      throw new EngineError(
        'bad-data',
        `N-MNIST folder '${root}' has no '${folder}' folder (found: ${dirs.join(', ') || 'no folders'}); ` +
          'expected Train/<digit>/<id>.bin and Test/<digit>/<id>.bin, as distributed',
      );
    }
  }
  // One split after the other, so the first error is always the same one.
  const trainClasses = await listClasses(join(root, 'Train'));
  const testClasses = await listClasses(join(root, 'Test'));
  checkSameDigits(root, trainClasses, testClasses);
  const classCount = Math.max(...trainClasses.map((c) => c.digit)) + 1;
  const train = await readSplit('nmnist-train', trainClasses, classCount, limitPerClass);
  const test = await readSplit('nmnist-test', testClasses, classCount, limitPerClass);
  return { train, test };
}

/** The digit folders of one split and their `.bin` files, in order. */
async function listClasses(splitDir: string): Promise<ClassFiles[]> {
  const { dirs } = await listFolder(splitDir, 'N-MNIST split folder');
  if (dirs.length === 0) {
    throw new EngineError('bad-data', `N-MNIST split folder '${splitDir}' has no class folders; expected folders named 0 to 9`);
  }
  const classes: ClassFiles[] = [];
  for (const name of dirs) {
    if (!/^[0-9]$/.test(name)) {
      throw new EngineError('bad-data', `N-MNIST split folder '${splitDir}' holds the folder '${name}', which is not a class; allowed: folders named 0 to 9`);
    }
    const classDir = join(splitDir, name);
    const { files } = await listFolder(classDir, 'N-MNIST class folder');
    const bins = files.filter((file) => file.toLowerCase().endsWith('.bin'));
    if (bins.length === 0) {
      throw new EngineError('bad-data', `N-MNIST class folder '${classDir}' has no .bin files (found ${files.length} other files)`);
    }
    classes.push({ digit: Number(name), paths: bins.map((file) => join(classDir, file)) });
  }
  return classes.sort((a, b) => a.digit - b.digit);
}

function checkSameDigits(root: string, train: ClassFiles[], test: ClassFiles[]): void {
  const trainDigits = train.map((c) => c.digit).join(', ');
  const testDigits = test.map((c) => c.digit).join(', ');
  if (trainDigits !== testDigits) {
    throw new EngineError(
      'bad-data',
      `N-MNIST folder '${root}': Train has classes ${trainDigits} but Test has classes ${testDigits}; both need the same digit folders`,
    );
  }
}

async function readSplit(
  name: string,
  classes: ClassFiles[],
  classCount: number,
  limitPerClass: number | undefined,
): Promise<EventDataset> {
  const items = classes.flatMap(({ digit, paths }) => paths.slice(0, limitPerClass).map((path) => ({ digit, path })));
  const samples = await mapLimit(items, READ_CONCURRENCY, async ({ path }) => {
    const buffer = await readRegularFile(path, RECORDING);
    const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    parseNmnist(bytes, path);
    return bytes;
  });
  return {
    name,
    count: items.length,
    width: NMNIST_SIZE,
    height: NMNIST_SIZE,
    samples,
    labels: Uint8Array.from(items, (item) => item.digit),
    classCount,
  };
}
