import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { IdxError } from '../../../engine/data/idx';
import { readIdxImagesFile, readIdxImagesPrefix } from '../../../engine/data/idx-file-node';

/** 3 images of 2x2 as IDX bytes, optionally with extra bytes appended. */
function imagesFile(extra: number[] = []): Uint8Array {
  return new Uint8Array([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2, ...Array.from({ length: 12 }, (_, i) => i + 1), ...extra]);
}

describe('readIdxImagesPrefix', () => {
  let dir: string;
  const path = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'idx-file-node-'));
    await writeFile(path('good'), imagesFile());
    await writeFile(path('trailing'), imagesFile([0]));
    await writeFile(path('truncated'), imagesFile().subarray(0, 20));
    await writeFile(path('labels'), new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 4]));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the first images and the header count', async () => {
    const { fileCount, images } = await readIdxImagesPrefix(path('good'), 2);
    expect(fileCount).toBe(3);
    expect(images).toEqual({ count: 2, rows: 2, cols: 2, pixels: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) });
  });

  it('equals the full read when the limit covers the file', async () => {
    const { images } = await readIdxImagesPrefix(path('good'), 99);
    expect(images).toEqual(await readIdxImagesFile(path('good')));
  });

  it.each([
    ['trailing', /trailing: 1 trailing bytes: 3 dimensions \[3, 2, 2\] of u8 expect 12 bytes of data, found 13/],
    ['truncated', /truncated: truncated: 3 dimensions \[3, 2, 2\] of u8 expect 12 bytes of data, found 4/],
    ['labels', /labels: expected an images file .* got 1 dimension \[1\]: is this a labels file\?/],
  ])('rejects the %s file just as a full parse does, even with a small limit', async (name, expected) => {
    await expect(readIdxImagesPrefix(path(name), 1)).rejects.toThrow(expected);
    await expect(readIdxImagesPrefix(path(name), 1)).rejects.toBeInstanceOf(IdxError);
    await expect(readIdxImagesFile(path(name))).rejects.toThrow(expected);
  });

  it('rejects a negative limit', async () => {
    await expect(readIdxImagesPrefix(path('good'), -1)).rejects.toThrow(/limit must be a non-negative integer, got -1/);
  });
});
