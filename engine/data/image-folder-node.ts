/**
 * Node seam: a folder of labelled images (torchvision's ImageFolder layout) as ImageDatasets.
 *
 *     root/<class>/<image>.png|.jpg|.jpeg                   split here, by `testFraction`
 *     root/train/<class>/…  and  root/test/<class>/…         split given by the folders
 *                                                            (others beside them, e.g. val/, ignored)
 *
 * Class index = position of the folder name in code-unit order (torchvision's `sorted()`), so a
 * model trained there maps classes the same way. Images are decoded (PNG: pngjs, JPEG: jpeg-js),
 * converted to grey or RGB, and area-resized to width × height.
 */
import { basename, join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { EngineError } from '../errors';
import { Rng } from '../rng';
import type { ImageDataset } from './dataset';
import { listFolder, mapLimit } from './folder-node';
import { dropAlpha, resizeArea, toGray } from './image';
import { pngInflatedBound, readJpegSize, readPngHeader } from './image-header';
import { readRegularFile } from './regular-file-node';

export interface LoadImageFolderOptions {
  /** Output size in pixels, each an integer from 1 to 4096. */
  width: number;
  height: number;
  /** 1: grey (BT.601 luma), 3: RGB. Alpha is discarded either way. */
  channels: 1 | 3;
  /** Without train/test folders: share of each class held out for testing, in [0, 1); default 0.2. */
  testFraction?: number;
  /** Seed of the per-class shuffle that picks the test images; default 0. */
  seed?: number;
}

export interface ImageFolderData {
  train: ImageDataset;
  test: ImageDataset;
  classNames: string[];
}

const IMAGE_FILE = /\.(png|jpe?g)$/i;
/** Images decoded at once: decoding is synchronous, so this only overlaps file reads. */
const READ_CONCURRENCY = 8;
const MAX_SIDE = 4096;

/**
 * The most pixels an image may declare: 40 MP (e.g. 8000 x 5000) decodes to 160 MB of RGBA. The
 * header is checked against it before decoding, for PNG and JPEG alike; a bigger image is refused
 * with the advice to shrink it (the import resizes every image to at most 4096 x 4096 anyway).
 */
export const MAX_IMAGE_PIXELS = 40_000_000;
/** The most bytes one image file may hold: above any 40 MP PNG or JPEG short of 16-bit RGBA stored uncompressed. */
export const IMAGE_MAX_FILE_BYTES = 128 * 2 ** 20;
const IMAGE_READ = { what: 'image', maxBytes: IMAGE_MAX_FILE_BYTES };

interface Item {
  path: string;
  label: number;
}

export async function loadImageFolder(root: string, opts: LoadImageFolderOptions): Promise<ImageFolderData> {
  checkOptions(opts);
  const { dirs } = await listFolder(root, 'image folder');
  const trainDir = dirs.find((d) => d.toLowerCase() === 'train');
  const testDir = dirs.find((d) => d.toLowerCase() === 'test');
  if ((trainDir === undefined) !== (testDir === undefined)) {
    throw new EngineError(
      'bad-data',
      `image folder '${root}' has a '${trainDir ?? testDir}' folder but no '${trainDir ? 'test' : 'train'}' folder; ` +
        'give both to fix the split, or neither to split each class by testFraction',
    );
  }
  let classNames: string[];
  let split: { train: Item[]; test: Item[] };
  if (trainDir !== undefined && testDir !== undefined) {
    const train = await listClasses(join(root, trainDir));
    const test = await listClasses(join(root, testDir));
    checkSameClasses(root, train.names, test.names);
    classNames = train.names;
    split = { train: train.items, test: test.items };
  } else {
    const all = await listClasses(root);
    classNames = all.names;
    split = splitByFraction(all.items, opts.testFraction ?? 0.2, opts.seed ?? 0);
  }
  const name = basename(root);
  // One split after the other, so the first error is always the same one.
  const train = await readImages(`${name}-train`, split.train, classNames.length, opts);
  const test = await readImages(`${name}-test`, split.test, classNames.length, opts);
  return { train, test, classNames };
}

function checkOptions(opts: LoadImageFolderOptions): void {
  for (const key of ['width', 'height'] as const) {
    const v = opts[key];
    if (!(Number.isInteger(v) && v >= 1 && v <= MAX_SIDE)) {
      throw new EngineError('bad-option', `loadImageFolder: ${key} is ${v}; allowed: an integer from 1 to ${MAX_SIDE}`);
    }
  }
  if (opts.channels !== 1 && opts.channels !== 3) {
    throw new EngineError('bad-option', `loadImageFolder: channels is ${opts.channels}; allowed: 1 (grey) or 3 (RGB)`);
  }
  const { testFraction, seed } = opts;
  if (testFraction !== undefined && !(testFraction >= 0 && testFraction < 1)) {
    throw new EngineError('bad-option', `loadImageFolder: testFraction is ${testFraction}; allowed: a number in [0, 1)`);
  }
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
    throw new EngineError('bad-option', `loadImageFolder: seed is ${seed}; allowed: an integer from 0 to 4294967295`);
  }
}

/** Class folders of `dir` in code-unit order and their image files in natural order. */
async function listClasses(dir: string): Promise<{ names: string[]; items: Item[] }> {
  const names = [...(await listFolder(dir, 'image folder')).dirs].sort();
  if (names.length < 2) {
    throw new EngineError(
      'bad-data',
      `image folder '${dir}' has ${names.length} class folder(s)${names.length ? ` (${names.join(', ')})` : ''}; ` +
        'need at least 2, one folder of images per class',
    );
  }
  const items: Item[] = [];
  for (const [label, name] of names.entries()) {
    const classDir = join(dir, name);
    const images = (await listFolder(classDir, 'class folder')).files.filter((file) => IMAGE_FILE.test(file));
    if (images.length === 0) {
      throw new EngineError('bad-data', `class folder '${classDir}' has no images; allowed: .png, .jpg, .jpeg files`);
    }
    for (const file of images) items.push({ path: join(classDir, file), label });
  }
  return { names, items };
}

function checkSameClasses(root: string, train: string[], test: string[]): void {
  const onlyTrain = train.filter((n) => !test.includes(n));
  const onlyTest = test.filter((n) => !train.includes(n));
  if (onlyTrain.length + onlyTest.length === 0) return;
  const parts = [
    onlyTrain.length ? `only in train: ${onlyTrain.join(', ')}` : '',
    onlyTest.length ? `only in test: ${onlyTest.join(', ')}` : '',
  ].filter(Boolean);
  throw new EngineError('bad-data', `image folder '${root}': train and test need the same class folders (${parts.join('; ')})`);
}

/**
 * Per class: shuffle its files with the seeded Rng (classes in order, one Rng for all) and hold
 * out the first round(n·testFraction), at most n − 1 so every class keeps a training image.
 * Both parts keep file order, so the split is a pure function of (file names, fraction, seed).
 */
export function splitByFraction<T extends { label: number }>(items: T[], testFraction: number, seed: number): { train: T[]; test: T[] } {
  const rng = new Rng(seed);
  const train: T[] = [];
  const test: T[] = [];
  for (let start = 0; start < items.length; ) {
    let end = start;
    while (end < items.length && items[end].label === items[start].label) end++;
    const n = end - start;
    const order = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
    const held = new Set(order.subarray(0, Math.min(Math.round(n * testFraction), n - 1)));
    for (let i = 0; i < n; i++) (held.has(i) ? test : train).push(items[start + i]);
    start = end;
  }
  return { train, test };
}

async function readImages(name: string, items: Item[], classCount: number, opts: LoadImageFolderOptions): Promise<ImageDataset> {
  const { width, height, channels } = opts;
  const size = width * height * channels;
  const pixels = new Uint8Array(items.length * size);
  await mapLimit(items, READ_CONCURRENCY, async ({ path }, index) => {
    const image = decodeImage(await readRegularFile(path, IMAGE_READ), path);
    const converted = channels === 1 ? toGray(image.rgba, image.width, image.height) : dropAlpha(image.rgba, image.width, image.height);
    pixels.set(resizeArea(converted, image.width, image.height, channels, width, height), index * size);
  });
  return {
    name,
    count: items.length,
    rows: height,
    cols: width,
    channels,
    pixels,
    labels: Uint8Array.from(items, (item) => item.label),
    classCount,
  };
}

interface DecodedImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/** Decodes by content, not by extension: a PNG saved as .jpg (common on the web) still loads. */
export function decodeImage(bytes: Buffer, path: string): DecodedImage {
  const isPng = bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (!isPng && !isJpeg) {
    const start = Array.from(bytes.subarray(0, 4), (b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
    throw new EngineError('bad-data', `image '${path}' is neither PNG nor JPEG (starts with ${start || 'nothing: the file is empty'}); allowed: PNG or JPEG`);
  }
  const kind = isPng ? 'PNG' : 'JPEG';
  if (isPng) checkPngDeclaration(bytes, path);
  else checkDeclaredSize(path, 'JPEG', readJpegSize(bytes));
  let image: DecodedImage;
  try {
    if (isPng) {
      const png = PNG.sync.read(bytes);
      image = { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    } else {
      const jpeg = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6 });
      image = { width: jpeg.width, height: jpeg.height, rgba: jpeg.data };
    }
  } catch (cause) {
    const reason = (cause as Error).message;
    throw new EngineError('bad-data', `image '${path}' starts like a ${kind} but cannot be decoded (${reason}): the file is truncated or corrupt`);
  }
  if (!(image.width >= 1 && image.height >= 1 && image.rgba.length === image.width * image.height * 4)) {
    throw new EngineError('bad-data', `image '${path}' decoded as ${kind} to ${image.width}x${image.height} with ${image.rgba.length} bytes; the file is corrupt`);
  }
  return image;
}

function checkDeclaredSize(path: string, kind: string, size: { width: number; height: number } | undefined): void {
  if (size === undefined || size.width * size.height <= MAX_IMAGE_PIXELS) return;
  throw new EngineError(
    'bad-data',
    `image '${path}' is a ${kind} that declares ${size.width}x${size.height} pixels (${((size.width * size.height) / 1e6).toFixed(1)} MP); ` +
      `allowed: at most ${MAX_IMAGE_PIXELS} pixels (${MAX_IMAGE_PIXELS / 1e6} MP, e.g. 8000x5000), checked before decoding: shrink it first`,
  );
}

/**
 * A PNG's declared size, before pngjs allocates for it. pngjs caps the inflated data of a plain
 * PNG at the size its header implies, but inflates an interlaced one without a cap: there the
 * image data is inflated here first, capped at its bound, so a small file cannot inflate to gigabytes.
 */
function checkPngDeclaration(bytes: Buffer, path: string): void {
  const header = readPngHeader(bytes);
  checkDeclaredSize(path, 'PNG', header);
  if (!header?.interlaced) return;
  const bound = pngInflatedBound(header);
  try {
    inflateSync(pngImageData(bytes), { maxOutputLength: bound });
  } catch (cause) {
    if (!(cause instanceof RangeError)) return; // pngjs reports a broken stream in its own words
    throw new EngineError('bad-data', `image '${path}' is an interlaced PNG whose image data inflates to more than the ${bound} bytes its ${header.width}x${header.height} header allows; the file is corrupt`);
  }
}

/** The concatenated IDAT chunks of a PNG (the zlib stream of its pixels). */
function pngImageData(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    if (bytes.toString('latin1', at + 4, at + 8) === 'IDAT') parts.push(bytes.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  return Buffer.concat(parts);
}
