import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFolder, listFolder, mapLimit, naturalCompare } from '../../../engine/data/folder-node';

describe('naturalCompare', () => {
  it('orders digit runs by value and the rest by code unit', () => {
    const names = ['10.bin', '2.bin', '00001.bin', '1.bin', 'b.png', 'a10.png', 'a2.png', 'A.png', '01.bin'];
    expect([...names].sort(naturalCompare)).toEqual(['00001.bin', '01.bin', '1.bin', '2.bin', '10.bin', 'A.png', 'a2.png', 'a10.png', 'b.png']);
  });

  it('is a total order: ties only for equal strings', () => {
    expect(naturalCompare('x', 'x')).toBe(0);
    expect(Math.sign(naturalCompare('01', '1'))).toBe(-Math.sign(naturalCompare('1', '01')));
    expect(naturalCompare('01', '1')).not.toBe(0);
  });

  it('compares numbers longer than 2^53 exactly', () => {
    expect(naturalCompare('x90071992547409931', 'x90071992547409932')).toBeLessThan(0);
  });
});

describe('mapLimit', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (v, i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, v));
      running--;
      return v * 10 + i;
    });
    expect(out).toEqual([50, 11, 42, 23, 34, 5]);
    expect(peak).toBe(2);
  });

  it('reports the first failing item in order, whichever fails first in time', async () => {
    // Item 3 fails at once, item 1 fails later: item 1's error is the one thrown.
    const run = mapLimit([0, 1, 2, 3, 4], 4, async (v) => {
      await new Promise((r) => setTimeout(r, v === 1 ? 30 : 1));
      if (v === 1 || v === 3) throw new Error(`item ${v}`);
      return v;
    });
    await expect(run).rejects.toThrow('item 1');
  });
});

describe('listFolder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'folder-node-'));
    await mkdir(join(dir, 'root', 'b10'), { recursive: true });
    await mkdir(join(dir, 'root', 'b9'));
    await mkdir(join(dir, 'root', '.ipynb_checkpoints'));
    await mkdir(join(dir, 'elsewhere'));
    await symlink(join(dir, 'elsewhere'), join(dir, 'root', 'linked'));
    await writeFile(join(dir, 'root', 'f.txt'), 'x');
    await writeFile(join(dir, 'root', '.DS_Store'), 'x');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('splits folders from files, skips hidden entries, follows links, sorts naturally', async () => {
    expect(await listFolder(join(dir, 'root'), 'test folder')).toEqual({ dirs: ['b9', 'b10', 'linked'], files: ['f.txt'] });
  });

  it('names a missing folder and a file given as a folder', async () => {
    await expect(listFolder(join(dir, 'nope'), 'test folder')).rejects.toThrow(/^test folder '.*nope' does not exist$/);
    await expect(listFolder(join(dir, 'root', 'f.txt'), 'test folder')).rejects.toThrow(/^test folder '.*f\.txt' is a file, not a folder$/);
  });

  it('isFolder', async () => {
    expect(await isFolder(join(dir, 'root'))).toBe(true);
    expect(await isFolder(join(dir, 'root', 'f.txt'))).toBe(false);
    expect(await isFolder(join(dir, 'nope'))).toBe(false);
  });
});
