/**
 * Hostile dataset folders, in every format that reads a user's files (idx, nmnist, image-folder):
 * a FIFO, a socket or a symbolic link to /dev/zero among the files, a file past the format's size
 * cap, a name that is not UTF-8, and decompression bombs. Each is refused at once, naming the entry,
 * and nothing is stored.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDeflate, crc32, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeNmnist } from '../../../engine/data/nmnist';
import { importDataset, type ImportDatasetRequest } from '../../../main/services/datasets';
import { IDX_MAX_FILE_BYTES } from '../../../engine/data/idx-file-node';
import { IMAGE_MAX_FILE_BYTES, MAX_IMAGE_PIXELS } from '../../../engine/data/image-folder-node';
import { NMNIST_MAX_FILE_BYTES } from '../../../engine/data/nmnist-node';
import { listDatasets } from '../../../main/store/datasets';
import { expectEngineError } from '../../helpers/errors';
import { HOSTILE_WORDS, makeHostile, releaseHostiles, sparseFile, within, writeBytesNamed, type HostileKind } from '../../helpers/hostile-files';
import { png } from '../../helpers/images';
import { measure } from '../../helpers/memory';
import { mnistIdxSlice } from '../web/fixtures';
import { useFileTemps } from './temp';

const { tempDir, tempStore } = useFileTemps();
afterEach(releaseHostiles);

/** A refusal must come at once: a read that blocks on a FIFO or drains /dev/zero never would. */
const BOUND_MS = 2000;

interface Format {
  name: 'idx' | 'nmnist' | 'image-folder';
  /** A valid folder of this format. */
  build(root: string): void;
  /** The entry to replace with something hostile, relative to the root. */
  victim: string;
  options?: Record<string, unknown>;
  /** What the format calls one of its files in messages, and the cap on one file. */
  what: string;
  maxBytes: number;
}

const write = (root: string, files: Record<string, Uint8Array>) => {
  for (const [path, bytes] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), bytes);
  }
};

const recording = (seed: number) =>
  encodeNmnist({ count: 3, x: Uint8Array.of(seed, 2, 3), y: Uint8Array.of(4, 5, 6), p: Uint8Array.of(0, 1, 0), t: Uint32Array.of(10, 20, 30) });

const FORMATS: Format[] = [
  {
    name: 'idx',
    build: (root) => write(root, mnistIdxSlice(20, 10)),
    victim: 'train-labels-idx1-ubyte',
    what: 'IDX file',
    maxBytes: IDX_MAX_FILE_BYTES,
  },
  {
    name: 'nmnist',
    build: (root) => write(root, { 'Train/0/1.bin': recording(1), 'Train/1/1.bin': recording(2), 'Test/0/1.bin': recording(3), 'Test/1/1.bin': recording(4) }),
    victim: 'Train/1/1.bin',
    what: 'N-MNIST recording',
    maxBytes: NMNIST_MAX_FILE_BYTES,
  },
  {
    name: 'image-folder',
    build: (root) => {
      const image = png(4, 4, (x) => [x * 60, 0, 0]);
      write(root, { 'a/1.png': image, 'a/2.png': image, 'b/1.png': image, 'b/2.png': image });
    },
    victim: 'b/2.png',
    options: { width: 4, height: 4, testFraction: 0.5 },
    what: 'image',
    maxBytes: IMAGE_MAX_FILE_BYTES,
  },
];

function folderOf(format: Format): string {
  const root = tempDir(`stbp-hostile-${format.name}-`);
  format.build(root);
  return root;
}

const request = (format: Format, path: string, options = format.options): ImportDatasetRequest => ({ format: format.name, name: 'hostile', path, ...(options && { options }) });

describe.each(FORMATS)('format $name', (format) => {
  it('imports the folder when nothing in it is hostile (the fixture is valid)', async () => {
    const store = tempStore();
    await importDataset(store, request(format, folderOf(format)));
    expect(listDatasets(store)).toHaveLength(1);
  });

  it.each(['fifo', 'socket', 'dev-zero'] as HostileKind[])(`refuses a %s among the files within ${BOUND_MS} ms, naming it`, async (kind) => {
    const root = folderOf(format);
    const victim = join(root, format.victim);
    rmSync(victim);
    await makeHostile(kind, victim);
    const store = tempStore();
    const started = performance.now();
    await expectEngineError(within(importDataset(store, request(format, root)), BOUND_MS, `${format.name} import with a ${kind}`), 'bad-data', `${format.what} '${victim}'`, HOSTILE_WORDS[kind], 'allowed: regular files only');
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
    expect(listDatasets(store)).toEqual([]);
  });

  it('refuses a file past the format size cap before reading it, saying the cap', async () => {
    const root = folderOf(format);
    sparseFile(join(root, format.victim), format.maxBytes + 1);
    const store = tempStore();
    const { error, ms, peakMb } = await measure(() => importDataset(store, request(format, root)));
    await expectEngineError(Promise.reject(error), 'bad-data', `${format.what} '${join(root, format.victim)}'`, `${format.maxBytes + 1} bytes`, `allowed: at most ${format.maxBytes} bytes`);
    expect(ms).toBeLessThan(BOUND_MS);
    expect(peakMb).toBeLessThan(64);
  });
});

describe('names that are not UTF-8', () => {
  it('nmnist: a recording named f\\xff.bin is refused by its bytes, not reported missing', async () => {
    const nmnist = FORMATS[1]!;
    const root = folderOf(nmnist);
    writeBytesNamed(join(root, 'Train', '1'), Buffer.from([0x66, 0xff, 0x2e, 0x62, 0x69, 0x6e]), recording(9));
    const error = await expectEngineError(importDataset(tempStore(), request(nmnist, root)), 'bad-data', `'${join(root, 'Train', '1')}'`, 'f\\xff.bin', 'not UTF-8', 'rename it');
    expect(error.message).not.toMatch(/does not exist|no such file/i);
  });

  it('image-folder: a class folder named caf\\xe9 (Latin-1) is refused by its bytes', async () => {
    const images = FORMATS[2]!;
    const root = folderOf(images);
    const folder = Buffer.concat([Buffer.from(`${root}/`), Buffer.from([0x63, 0x61, 0x66, 0xe9])]);
    mkdirSync(folder);
    writeFileSync(Buffer.concat([folder, Buffer.from('/1.png')]), png(4, 4, () => [1, 2, 3]));
    const error = await expectEngineError(importDataset(tempStore(), request(images, root)), 'bad-data', `'${root}'`, 'caf\\xe9', 'not UTF-8');
    expect(error.message).not.toMatch(/does not exist|no such file/i);
  });

  it('idx: a file named with Latin-1 bytes beside the four files is refused by its bytes', async () => {
    const idx = FORMATS[0]!;
    const root = folderOf(idx);
    writeBytesNamed(root, Buffer.from('r\xe9sum\xe9.txt', 'latin1'), 'notes');
    await expectEngineError(importDataset(tempStore(), request(idx, root)), 'bad-data', 'r\\xe9sum\\xe9.txt', 'not UTF-8');
  });
});

// ---- decompression bombs ---------------------------------------------------------------------

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(type)) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** The zlib stream of `total` zero bytes, deflated in 1 MiB pieces (never held whole). */
async function zeros(total: number): Promise<Buffer> {
  const deflate = createDeflate({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (c: Buffer) => out.push(c));
  const piece = Buffer.alloc(2 ** 20);
  for (let left = total; left > 0; left -= piece.length) {
    if (!deflate.write(left >= piece.length ? piece : piece.subarray(0, left))) await new Promise((r) => deflate.once('drain', r));
  }
  await new Promise((r) => deflate.end(r));
  return Buffer.concat(out);
}

/** A valid 8-bit grey PNG of width x height black pixels: every row a filter byte and width zeros. */
async function blackPng(width: number, height: number): Promise<Buffer> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // depth 8, grey, deflate, adaptive filtering, not interlaced
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', await zeros((width + 1) * height)), chunk('IEND', new Uint8Array())]);
}

describe('decompression bombs', () => {
  it(`a PNG whose header claims 20000 x 20000 is refused from its header, in under ${BOUND_MS} ms and 64 MB`, async () => {
    const bomb = await blackPng(20000, 20000);
    expect(bomb.length).toBeLessThan(1_000_000); // ~390 KB that would decode to 400 MB of grey, 1.6 GB of RGBA
    const root = folderOf(FORMATS[2]!);
    writeFileSync(join(root, 'b', '2.png'), bomb);
    const { error, ms, peakMb } = await measure(() => importDataset(tempStore(), request(FORMATS[2]!, root)));
    await expectEngineError(Promise.reject(error), 'bad-data', `image '${join(root, 'b', '2.png')}'`, '20000x20000', `allowed: at most ${MAX_IMAGE_PIXELS} pixels`);
    console.info(`PNG bomb (20000x20000, ${bomb.length} bytes): refused in ${ms.toFixed(0)} ms, peak RSS +${peakMb.toFixed(1)} MB`);
    expect(ms).toBeLessThan(BOUND_MS);
    expect(peakMb).toBeLessThan(64);
  }, 60_000);

  it('a gzip IDX file that inflates past what its header promises is refused there, not after 1 GiB', async () => {
    const idx = FORMATS[0]!;
    const root = folderOf(idx);
    const honest = mnistIdxSlice(20, 10)['train-images-idx3-ubyte']!;
    // gzip members concatenate: the real 20 images, then 1 GiB of zeros in 16 members of 64 MiB.
    const sixtyFour = gzipSync(Buffer.alloc(64 * 2 ** 20), { level: 9 });
    const bomb = Buffer.concat([gzipSync(honest), ...Array.from({ length: 16 }, () => sixtyFour)]);
    expect(bomb.length).toBeLessThan(2_000_000);
    writeFileSync(join(root, 'train-images-idx3-ubyte.gz'), bomb);
    rmSync(join(root, 'train-images-idx3-ubyte'));
    const { error, ms, peakMb } = await measure(() => importDataset(tempStore(), request(idx, root)));
    await expectEngineError(Promise.reject(error), 'bad-data', join(root, 'train-images-idx3-ubyte.gz'), `more than the ${honest.length} bytes its header promises`);
    console.info(`gzip bomb (1 GiB of zeros after a ${honest.length}-byte IDX file, ${bomb.length} bytes): refused in ${ms.toFixed(0)} ms, peak RSS +${peakMb.toFixed(1)} MB`);
    expect(ms).toBeLessThan(BOUND_MS);
    expect(peakMb).toBeLessThan(64);
  }, 60_000);

  it('a gzip IDX file that decompresses to exactly its header promise imports', async () => {
    const idx = FORMATS[0]!;
    const root = folderOf(idx);
    for (const [name, bytes] of Object.entries(mnistIdxSlice(20, 10))) {
      rmSync(join(root, name));
      writeFileSync(join(root, `${name}.gz`), gzipSync(bytes));
    }
    const store = tempStore();
    const row = await importDataset(store, request(idx, root));
    expect(row.splits).toEqual({ train: 20, test: 10 });
  });
});
