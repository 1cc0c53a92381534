import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageDataset } from '../../../engine/data/dataset';
import { loadImageFolder, splitByFraction, type LoadImageFolderOptions } from '../../../engine/data/image-folder-node';
import { EngineError } from '../../../engine/errors';
import { Rng } from '../../../engine/rng';
import { jpeg, png } from '../../helpers/images';

async function writeTree(root: string, files: Record<string, Uint8Array | string>, dirs: string[] = []): Promise<void> {
  for (const dir of dirs) await mkdir(join(root, dir), { recursive: true });
  for (const [path, bytes] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), bytes);
  }
}

/**
 * Three classes of five images, written under names whose sort order differs from the class order:
 * - red: 16x16 PNGs, solid (200, 40 + 10i, 40) for file i (so each file is recognisable);
 * - blue: 12x20 JPEGs, solid (30, 60, 220) (lossy: decodes within a step or two of it);
 * - Grad: 16x8 PNGs, grey ramp 16x (+ i) along x, so 8x8 averages column pairs.
 * Extensions in mixed case; a text file and a hidden file that must be ignored.
 */
function classTree(): Record<string, Uint8Array | string> {
  const files: Record<string, Uint8Array | string> = {};
  const redNames = ['r0.png', 'r1.PNG', 'r2.png', 'r3.png', 'r4.png'];
  redNames.forEach((name, i) => (files[`red/${name}`] = png(16, 16, () => [200, 40 + 10 * i, 40])));
  ['b0.jpg', 'b1.JPG', 'b2.jpeg', 'b3.Jpeg', 'b4.jpg'].forEach((name) => (files[`blue/${name}`] = jpeg(12, 20, [30, 60, 220])));
  for (let i = 0; i < 5; i++) files[`Grad/g${i}.png`] = png(16, 8, (x) => [16 * x + i, 16 * x + i, 16 * x + i]);
  files['red/notes.txt'] = 'not an image';
  files['blue/.hidden.png'] = 'hidden files are skipped';
  return files;
}

const GREY_8: LoadImageFolderOptions = { width: 8, height: 8, channels: 1 };
const RGB_8: LoadImageFolderOptions = { width: 8, height: 8, channels: 3 };

/** Pixel (row, col, channel) of image i. */
function pixel(ds: ImageDataset, i: number, row: number, col: number, channel = 0): number {
  return ds.pixels[((i * ds.rows + row) * ds.cols + col) * ds.channels + channel];
}

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'image-folder-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('loadImageFolder, split by testFraction', () => {
  let root: string;
  beforeAll(async () => {
    root = join(base, 'shapes');
    await writeTree(root, classTree());
  });

  it('finds the classes in code-unit order (as torchvision) and holds out round(5 × 0.2) = 1 per class', async () => {
    const { train, test, classNames } = await loadImageFolder(root, GREY_8);
    expect(classNames).toEqual(['Grad', 'blue', 'red']); // 'G' (0x47) sorts before 'b' (0x62)
    expect([train.name, train.count, train.rows, train.cols, train.channels, train.classCount]).toEqual(['shapes-train', 12, 8, 8, 1, 3]);
    expect([test.name, test.count, test.classCount]).toEqual(['shapes-test', 3, 3]);
    expect(Array.from(train.labels)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect(Array.from(test.labels)).toEqual([0, 1, 2]);
    expect(train.pixels.length).toBe(12 * 64);
  });

  it('gives a solid PNG colour its exact grey and RGB values', async () => {
    const grey = await loadImageFolder(root, GREY_8);
    const rgb = await loadImageFolder(root, RGB_8);
    // Which red file went to test is up to the split; G tells them apart: 40 + 10i.
    const reds = rgb.train.labels.reduce<number[]>((at, l, i) => (l === 2 ? [...at, i] : at), []);
    for (const i of reds) {
      const g = pixel(rgb.train, i, 3, 5, 1);
      expect((g - 40) % 10).toBe(0);
      for (let p = 0; p < 64; p++) {
        expect(Array.from(rgb.train.pixels.subarray((i * 64 + p) * 3, (i * 64 + p) * 3 + 3))).toEqual([200, g, 40]);
        // 0.299·200 + 0.587·g + 0.114·40, rounded half up, by hand for file 0 (g = 40): 59.8 + 23.48 + 4.56 = 87.84 → 88
        expect(grey.train.pixels[i * 64 + p]).toBe(Math.floor((299 * 200 + 587 * g + 114 * 40 + 500) / 1000));
      }
    }
    expect(Math.floor((299 * 200 + 587 * 40 + 114 * 40 + 500) / 1000)).toBe(88);
  });

  it('averages column pairs of the gradient: 16 → 8 wide, 8 → 8 high', async () => {
    const { train, test } = await loadImageFolder(root, GREY_8);
    // Source columns 2c, 2c+1 hold 32c + i and 32c + 16 + i: mean 32c + 8 + i on every row.
    for (const ds of [train, test]) {
      ds.labels.forEach((label, n) => {
        if (label !== 0) return;
        const i = pixel(ds, n, 0, 0) - 8;
        expect(i).toBeGreaterThanOrEqual(0);
        expect(i).toBeLessThan(5);
        for (let row = 0; row < 8; row++) {
          expect(Array.from({ length: 8 }, (_, c) => pixel(ds, n, row, c))).toEqual([8, 40, 72, 104, 136, 168, 200, 232].map((v) => v + i));
        }
      });
    }
  });

  it('decodes the JPEGs (lossy) to within 2 of their colour', async () => {
    const { train } = await loadImageFolder(root, RGB_8);
    const blues = train.labels.reduce<number[]>((at, l, i) => (l === 1 ? [...at, i] : at), []);
    expect(blues.length).toBe(4);
    for (const i of blues) {
      for (let p = 0; p < 64; p++) {
        const [r, g, b] = train.pixels.subarray((i * 64 + p) * 3, (i * 64 + p) * 3 + 3);
        expect([Math.abs(r - 30), Math.abs(g - 60), Math.abs(b - 220)].every((d) => d <= 2), `${[r, g, b]}`).toBe(true);
      }
    }
  });

  it('splits deterministically: the same seed gives the same datasets; the held-out files follow the seeded shuffle', async () => {
    const a = await loadImageFolder(root, { ...RGB_8, seed: 42 });
    const b = await loadImageFolder(root, { ...RGB_8, seed: 42 });
    expect(a).toEqual(b);
    // The spec of the split, replayed: one Rng(seed); per class, shuffle [0..4] and hold out the first.
    for (const seed of [42, 7, 12345]) {
      const rng = new Rng(seed);
      const held = [0, 1, 2].map(() => rng.shuffle(Int32Array.of(0, 1, 2, 3, 4))[0]);
      const { test } = await loadImageFolder(root, { ...RGB_8, seed });
      expect(pixel(test, 0, 0, 0) - 8, `seed ${seed}: Grad file`).toBe(held[0]);
      expect((pixel(test, 2, 0, 0, 1) - 40) / 10, `seed ${seed}: red file`).toBe(held[2]);
    }
  });

  it('testFraction 0 keeps everything for training; 0.6 holds out 3 of 5', async () => {
    const none = await loadImageFolder(root, { ...GREY_8, testFraction: 0 });
    expect([none.train.count, none.test.count]).toEqual([15, 0]);
    const most = await loadImageFolder(root, { ...GREY_8, testFraction: 0.6 });
    expect([most.train.count, most.test.count]).toEqual([6, 9]);
  });
});

describe('splitByFraction', () => {
  const items = (counts: number[]) => counts.flatMap((n, label) => Array.from({ length: n }, (_, i) => ({ label, i })));

  it('never leaves a class without a training item', () => {
    const { train, test } = splitByFraction(items([1, 2, 3]), 0.99, 1);
    expect(train.map((x) => x.label)).toEqual([0, 1, 2]);
    expect(test.map((x) => x.label)).toEqual([1, 2, 2]);
  });

  it('keeps file order within each part', () => {
    const { train, test } = splitByFraction(items([10]), 0.5, 3);
    expect(train.map((x) => x.i)).toEqual([...train.map((x) => x.i)].sort((a, b) => a - b));
    expect(test.map((x) => x.i)).toEqual([...test.map((x) => x.i)].sort((a, b) => a - b));
    expect(train.length + test.length).toBe(10);
    expect(test.length).toBe(5);
  });
});

describe('loadImageFolder with train/ and test/ folders', () => {
  it('uses them as the split, with the same class order in both', async () => {
    const root = join(base, 'presplit');
    await writeTree(root, {
      'train/b/1.png': png(4, 4, () => [10, 10, 10]),
      'train/b/2.jpg': png(4, 4, () => [20, 20, 20]), // a PNG named .jpg: decoded by content
      'train/a/1.png': png(4, 4, () => [30, 30, 30]),
      'test/a/1.png': png(4, 4, () => [40, 40, 40]),
      'test/b/1.png': png(4, 4, () => [50, 50, 50]),
      'val/a/1.png': png(4, 4, () => [60, 60, 60]), // ignored
    });
    const { train, test, classNames } = await loadImageFolder(root, { width: 2, height: 2, channels: 1 });
    expect(classNames).toEqual(['a', 'b']);
    expect(Array.from(train.labels)).toEqual([0, 1, 1]);
    expect(Array.from(train.pixels)).toEqual([30, 30, 30, 30, 10, 10, 10, 10, 20, 20, 20, 20]);
    expect(Array.from(test.labels)).toEqual([0, 1]);
    expect(Array.from(test.pixels)).toEqual([40, 40, 40, 40, 50, 50, 50, 50]);
  });

  it('recognises Train/ and Test/ in any case', async () => {
    const root = join(base, 'presplit-caps');
    await writeTree(root, {
      'Train/x/1.png': png(2, 2, () => [0, 0, 0]),
      'Train/y/1.png': png(2, 2, () => [255, 255, 255]),
      'TEST/x/1.png': png(2, 2, () => [0, 0, 0]),
      'TEST/y/1.png': png(2, 2, () => [255, 255, 255]),
    });
    const { train, test, classNames } = await loadImageFolder(root, { width: 1, height: 1, channels: 1 });
    expect([classNames, Array.from(train.pixels), Array.from(test.labels)]).toEqual([['x', 'y'], [0, 255], [0, 1]]);
  });
});

describe('loadImageFolder rejects bad folders, naming the file or folder', () => {
  const good = () => ({
    'cats/1.png': png(4, 4, () => [1, 2, 3]),
    'dogs/1.png': png(4, 4, () => [4, 5, 6]),
  });
  const pngStart = png(4, 4, () => [0, 0, 0]).subarray(0, 40);
  const jpegHalf = jpeg(8, 8, [9, 9, 9]);
  const CASES: [string, Record<string, Uint8Array | string>, string[], RegExp][] = [
    ['a .png of garbage', { ...good(), 'dogs/2.png': 'garbage, not an image' }, [], /^image '.*[/\\]dogs[/\\]2\.png' is neither PNG nor JPEG \(starts with 0x67 0x61 0x72 0x62\); allowed: PNG or JPEG$/],
    ['an empty .jpg', { ...good(), 'cats/0.jpg': '' }, [], /^image '.*[/\\]cats[/\\]0\.jpg' is neither PNG nor JPEG \(starts with nothing: the file is empty\)/],
    ['a truncated PNG', { ...good(), 'cats/2.png': pngStart }, [], /^image '.*[/\\]cats[/\\]2\.png' starts like a PNG but cannot be decoded \(.+\): the file is truncated or corrupt$/],
    ['a truncated JPEG', { ...good(), 'cats/3.jpeg': jpegHalf.subarray(0, jpegHalf.length >> 1) }, [], /^image '.*[/\\]cats[/\\]3\.jpeg' starts like a JPEG but cannot be decoded \(unknown JPEG marker 0\): the file is truncated or corrupt$/],
    ['an empty class folder', { ...good(), 'emus/readme.txt': 'no images here' }, [], /^class folder '.*[/\\]emus' has no images; allowed: \.png, \.jpg, \.jpeg files$/],
    ['a class folder with nothing at all', good(), ['frogs'], /^class folder '.*[/\\]frogs' has no images/],
    ['a single class', { 'cats/1.png': png(4, 4, () => [1, 2, 3]) }, [], /^image folder '.*' has 1 class folder\(s\) \(cats\); need at least 2, one folder of images per class$/],
    ['no class at all', { 'loose.png': png(4, 4, () => [1, 2, 3]) }, [], /^image folder '.*' has 0 class folder\(s\); need at least 2/],
    ['train/ without test/', { 'train/a/1.png': png(2, 2, () => [0, 0, 0]), 'train/b/1.png': png(2, 2, () => [0, 0, 0]) }, [], /^image folder '.*' has a 'train' folder but no 'test' folder; give both to fix the split, or neither to split each class by testFraction$/],
    [
      'train/ and test/ with different classes',
      { 'train/a/1.png': png(2, 2, () => [0, 0, 0]), 'train/b/1.png': png(2, 2, () => [0, 0, 0]), 'test/a/1.png': png(2, 2, () => [0, 0, 0]), 'test/c/1.png': png(2, 2, () => [0, 0, 0]) },
      [],
      /^image folder '.*': train and test need the same class folders \(only in train: b; only in test: c\)$/,
    ],
  ];

  it.each(CASES)('%s', async (name, files, dirs, expected) => {
    const root = join(base, name.replace(/\W+/g, '-'));
    await writeTree(root, files, dirs);
    const error = await loadImageFolder(root, GREY_8).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('bad-data');
    expect((error as Error).message).toMatch(expected);
  });

  it('a missing root', async () => {
    await expect(loadImageFolder(join(base, 'nowhere'), GREY_8)).rejects.toThrow(/^image folder '.*nowhere' does not exist$/);
  });

  it.each<[Partial<LoadImageFolderOptions>, RegExp]>([
    [{ width: 0 }, /^loadImageFolder: width is 0; allowed: an integer from 1 to 4096$/],
    [{ height: 4097 }, /^loadImageFolder: height is 4097; allowed: an integer from 1 to 4096$/],
    [{ channels: 2 as 1 }, /^loadImageFolder: channels is 2; allowed: 1 \(grey\) or 3 \(RGB\)$/],
    [{ testFraction: 1 }, /^loadImageFolder: testFraction is 1; allowed: a number in \[0, 1\)$/],
    [{ testFraction: Number.NaN }, /^loadImageFolder: testFraction is NaN/],
    [{ seed: -1 }, /^loadImageFolder: seed is -1; allowed: an integer from 0 to 4294967295$/],
  ])('option %o', async (change, expected) => {
    const error = await loadImageFolder(base, { ...GREY_8, ...change }).catch((e: unknown) => e);
    expect((error as EngineError).code).toBe('bad-option');
    expect((error as Error).message).toMatch(expected);
  });
});
