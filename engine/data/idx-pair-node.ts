/**
 * Node seam: an images IDX file and its labels IDX file, raw or gzip, as one
 * `ImageDataset`. This is how Fashion-MNIST, KMNIST, EMNIST and MNIST itself
 * are distributed (`train-images-idx3-ubyte.gz` + `train-labels-idx1-ubyte.gz`).
 */
import { basename } from 'node:path';
import type { ImageDataset } from './dataset';
import { checkPairedCounts, labelClassCount, pairImagesLabels, type IdxImages, type IdxLabels } from './idx';
import { readIdxImagesFile, readIdxImagesPrefix, readIdxLabelsFile } from './idx-file-node';
import { EngineError } from '../errors';

export interface ReadIdxPairOptions {
  /** Dataset name; default: the images file name without `.gz`. */
  name?: string;
  /** Keep only the first N images (all when undefined). Checks still cover the whole files. */
  limit?: number;
  /** Declared class count (1..256); default: max label + 1 over the whole labels file. */
  classCount?: number;
}

/**
 * Reads and pairs the two files. Every check a full read makes (header, length,
 * counts agree, labels below the class count) is made on the whole files even
 * with a limit, so a limited read fails exactly when a full one would, and the
 * class count of a slice is that of the whole set.
 */
export async function readIdxPair(
  imagesPath: string,
  labelsPath: string,
  opts: ReadIdxPairOptions = {},
): Promise<ImageDataset> {
  const { limit } = opts;
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0)) {
    throw new EngineError('bad-option', `readIdxPair '${imagesPath}': limit is ${limit}; allowed: an integer >= 0, or undefined for all`);
  }
  const { images, labels, allLabels } = await readFiles(imagesPath, labelsPath, limit);
  // Checked on every label, so a slice missing the highest class still has the set's class count.
  const classCount = labelClassCount(allLabels, labelsPath, opts.classCount);
  const paired = pairImagesLabels(images, labels, { images: imagesPath, labels: labelsPath }, { classCount });
  return { name: opts.name ?? defaultName(imagesPath), channels: 1, ...paired };
}

function defaultName(path: string): string {
  return basename(path).replace(/\.gz$/i, '');
}

/** Labels are tiny, so they are always read whole; images only up to `limit`. */
async function readFiles(
  imagesPath: string,
  labelsPath: string,
  limit: number | undefined,
): Promise<{ images: IdxImages; labels: IdxLabels; allLabels: Uint8Array }> {
  if (limit === undefined) {
    const [images, labels] = await inOrder(readIdxImagesFile(imagesPath), readIdxLabelsFile(labelsPath));
    return { images, labels, allLabels: labels.labels };
  }
  const [{ fileCount, images }, labels] = await inOrder(readIdxImagesPrefix(imagesPath, limit), readIdxLabelsFile(labelsPath));
  checkPairedCounts(fileCount, labels.count, { images: imagesPath, labels: labelsPath });
  const kept = { count: images.count, labels: labels.labels.subarray(0, images.count) };
  return { images, labels: kept, allLabels: labels.labels };
}

/**
 * Both results, read in parallel; if both fail, the images file's error wins, so the message does
 * not depend on which read finished first (Promise.all would report whichever rejected first).
 */
async function inOrder<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'rejected') throw ra.reason;
  if (rb.status === 'rejected') throw rb.reason;
  return [ra.value, rb.value];
}
