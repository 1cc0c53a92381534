import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNmnist, parseNmnist, type EventStream } from '../../../engine/data/nmnist';
import { loadNmnistFolder } from '../../../engine/data/nmnist-node';
import { EngineError } from '../../../engine/errors';

/** A small time-ordered stream that differs per (split, digit, file): 3 + digit + file events. */
function sampleEvents(split: number, digit: number, file: number): EventStream {
  const count = 3 + digit + file;
  return {
    count,
    x: Uint8Array.from({ length: count }, (_, i) => (i * 7 + digit) % 34),
    y: Uint8Array.from({ length: count }, (_, i) => (i * 5 + file + split) % 34),
    p: Uint8Array.from({ length: count }, (_, i) => (i + digit) % 2),
    t: Uint32Array.from({ length: count }, (_, i) => 1000 * split + 100 * i + file),
  };
}

// Written out of order on purpose: the loader must sort them numerically (1, 2, 10), not as text.
const FILE_NAMES = ['10.bin', '2.bin', '1.bin'];
const SORTED = ['1.bin', '2.bin', '10.bin'];

/** The good tree: Train/{0,1,2}/ with 3 samples each, Test/{0,1,2}/ with 2 (1.bin, 2.bin), plus clutter. */
function goodTree(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const [split, folder, names] of [[0, 'Train', FILE_NAMES], [1, 'Test', ['2.bin', '1.bin']]] as const) {
    for (const digit of [0, 1, 2]) {
      for (const name of names) files.set(`${folder}/${digit}/${name}`, encodeNmnist(sampleEvents(split, digit, SORTED.indexOf(name))));
      files.set(`${folder}/${digit}/.DS_Store`, Uint8Array.of(1));
    }
  }
  files.set('Train/README.txt', new TextEncoder().encode('not a class'));
  files.set('Train/0/notes.txt', new TextEncoder().encode('not a sample'));
  return files;
}

async function writeTree(root: string, files: Map<string, Uint8Array>, dirs: string[] = []): Promise<void> {
  for (const dir of dirs) await mkdir(join(root, dir), { recursive: true });
  for (const [path, bytes] of files) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), bytes);
  }
}

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'nmnist-node-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('loadNmnistFolder on a tree of real-format files', () => {
  let root: string;
  beforeAll(async () => {
    root = join(base, 'good');
    await writeTree(root, goodTree());
  });

  it('reads every .bin of every class of both splits, in digit then numeric file order', async () => {
    const { train, test } = await loadNmnistFolder(root);
    expect({ ...train, samples: undefined }).toEqual({
      name: 'nmnist-train', count: 9, width: 34, height: 34, samples: undefined,
      labels: Uint8Array.of(0, 0, 0, 1, 1, 1, 2, 2, 2), classCount: 3,
    });
    expect([test.name, test.count, test.classCount]).toEqual(['nmnist-test', 6, 3]);
    expect(test.labels).toEqual(Uint8Array.of(0, 0, 1, 1, 2, 2));
    // Sample k of class d is file SORTED[k]: its bytes are exactly what was written, and parse back.
    for (const [split, ds, perClass] of [[0, train, 3], [1, test, 2]] as const) {
      ds.samples.forEach((bytes, i) => {
        const digit = Math.floor(i / perClass);
        const events = sampleEvents(split, digit, i % perClass);
        expect(new Uint8Array(bytes), `${ds.name} #${i}`).toEqual(encodeNmnist(events));
        expect(parseNmnist(bytes, 'sample')).toEqual(events);
      });
    }
  });

  it('keeps the first files of each class with limitPerClass', async () => {
    const { train, test } = await loadNmnistFolder(root, { limitPerClass: 2 });
    expect(train.labels).toEqual(Uint8Array.of(0, 0, 1, 1, 2, 2));
    expect(new Uint8Array(train.samples[5])).toEqual(encodeNmnist(sampleEvents(0, 2, 1))); // Train/2/2.bin
    expect(test.count).toBe(6);
    const none = await loadNmnistFolder(root, { limitPerClass: 0 });
    expect([none.train.count, none.test.count, none.train.classCount]).toEqual([0, 0, 3]);
  });
});

describe('loadNmnistFolder rejects bad trees, naming the file or folder', () => {
  type Change = (files: Map<string, Uint8Array>) => { dirs?: string[] } | void;
  const CASES: [string, Change, RegExp][] = [
    [
      'a truncated file',
      (f) => void f.set('Train/1/2.bin', Uint8Array.of(...f.get('Train/1/2.bin')!, 9)),
      /[/\\]Train[/\\]1[/\\]2\.bin: 26 bytes is not a whole number of 5-byte events: 1 trailing byte\(s\) after 5 events; the file is truncated$/,
    ],
    [
      'x = 40',
      (f) => void f.set('Test/2/1.bin', encodeNmnist({ count: 2, x: Uint8Array.of(3, 40), y: Uint8Array.of(0, 0), p: Uint8Array.of(0, 1), t: Uint32Array.of(0, 1) })),
      /[/\\]Test[/\\]2[/\\]1\.bin: event 1 has x = 40; allowed: 0\.\.33 \(sensor 34x34\)$/,
    ],
    [
      'time going backwards',
      (f) => void f.set('Train/0/10.bin', encodeNmnist({ count: 2, x: Uint8Array.of(1, 2), y: Uint8Array.of(1, 2), p: Uint8Array.of(1, 1), t: Uint32Array.of(500, 499) })),
      /[/\\]Train[/\\]0[/\\]10\.bin: event 1 has timestamp 499 us, before event 0's 500 us: N-MNIST events are in time order$/,
    ],
    [
      'a missing Test folder',
      (f) => [...f.keys()].filter((k) => k.startsWith('Test/')).forEach((k) => f.delete(k)),
      /^N-MNIST folder '.*' has no 'Test' folder \(found: Train\); expected Train\/<digit>\/<id>\.bin and Test\/<digit>\/<id>\.bin, as distributed$/,
    ],
    [
      'a non-digit class folder',
      (f) => void f.set('Train/seven/1.bin', f.get('Train/0/1.bin')!),
      /^N-MNIST split folder '.*[/\\]Train' holds the folder 'seven', which is not a class; allowed: folders named 0 to 9$/,
    ],
    [
      'a two-digit class folder',
      (f) => void f.set('Test/10/1.bin', f.get('Train/0/1.bin')!),
      /^N-MNIST split folder '.*[/\\]Test' holds the folder '10', which is not a class/,
    ],
    [
      'an empty class folder',
      (f) => {
        ['Test/1/1.bin', 'Test/1/2.bin'].forEach((k) => f.delete(k));
        f.set('Test/1/readme.md', Uint8Array.of(35));
      },
      /^N-MNIST class folder '.*[/\\]Test[/\\]1' has no \.bin files \(found 1 other files\)$/,
    ],
    [
      'a split without class folders',
      (f) => {
        [...f.keys()].filter((k) => k.startsWith('Test/')).forEach((k) => f.delete(k));
        return { dirs: ['Test'] };
      },
      /^N-MNIST split folder '.*[/\\]Test' has no class folders; expected folders named 0 to 9$/,
    ],
    [
      'splits with different digits',
      (f) => [...f.keys()].filter((k) => k.startsWith('Test/2/')).forEach((k) => f.delete(k)),
      /^N-MNIST folder '.*': Train has classes 0, 1, 2 but Test has classes 0, 1; both need the same digit folders$/,
    ],
  ];

  it.each(CASES)('%s', async (name, change, expected) => {
    const files = goodTree();
    const extra = change(files);
    const root = join(base, name.replace(/\W+/g, '-'));
    await writeTree(root, files, extra?.dirs ?? []);
    const error = await loadNmnistFolder(root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('bad-data');
    expect((error as Error).message).toMatch(expected);
  });

  it('a missing root', async () => {
    await expect(loadNmnistFolder(join(base, 'nowhere'))).rejects.toThrow(/^N-MNIST folder '.*nowhere' does not exist$/);
  });

  it.each([-1, 0.5])('limitPerClass %s', async (limitPerClass) => {
    const error = await loadNmnistFolder(base, { limitPerClass }).catch((e: unknown) => e);
    expect((error as EngineError).code).toBe('bad-option');
    expect((error as Error).message).toBe(`loadNmnistFolder: limitPerClass is ${limitPerClass}; allowed: an integer >= 0, or undefined for all`);
  });
});
