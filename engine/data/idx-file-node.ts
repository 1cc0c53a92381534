/**
 * Node platform seam for IDX files: reads them, raw or gzip-compressed (as
 * MNIST and Fashion-MNIST are distributed), and hands the bytes to `idx.ts`.
 * Compression is recognised by its magic bytes (1f 8b), not by the file name.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import {
  IDX_MAX_DATA_BYTES,
  IDX_MAX_HEADER_BYTES,
  IdxError,
  checkIdxByteLength,
  expectImagesHeader,
  looksGzipped,
  parseIdxImages,
  parseIdxLabels,
  readIdxHeader,
  type IdxImages,
  type IdxLabels,
} from './idx';

/**
 * zlib's async gunzip runs on libuv's thread pool, so a 47 MB Fashion-MNIST
 * file does not stall the event loop of the process (e.g. the app's main) for
 * the ~0.3 s gunzipSync would.
 */
const gunzipAsync = promisify(gunzip);

/** The largest a decompressed IDX file may be: beyond it the header check would refuse it anyway. */
const IDX_MAX_FILE_BYTES = IDX_MAX_HEADER_BYTES + IDX_MAX_DATA_BYTES;

/** A Buffer viewed as a plain Uint8Array, so results compare equal to hand-built arrays. */
function plain(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Decompresses gzip bytes read from `path`; a broken stream is an IdxError naming the file. */
export async function gunzipIdx(bytes: Uint8Array, path: string): Promise<Uint8Array> {
  try {
    return plain(await gunzipAsync(bytes, { maxOutputLength: IDX_MAX_FILE_BYTES }));
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    if (cause instanceof RangeError) {
      throw new IdxError(`${path}: decompresses to more than ${IDX_MAX_FILE_BYTES} bytes, the most an IDX file may hold (${reason})`);
    }
    throw new IdxError(`${path}: starts like gzip (1f 8b) but does not decompress (${reason}): the file is truncated or corrupt; download it again`);
  }
}

/** The bytes of an IDX file, decompressed if it is gzip. */
export async function readIdxBytes(path: string): Promise<Uint8Array> {
  const bytes = plain(await readFile(path));
  return looksGzipped(bytes) ? gunzipIdx(bytes, path) : bytes;
}

export async function readIdxImagesFile(path: string): Promise<IdxImages> {
  return parseIdxImages(await readIdxBytes(path), path);
}

export async function readIdxLabelsFile(path: string): Promise<IdxLabels> {
  return parseIdxLabels(await readIdxBytes(path), path);
}

/**
 * Reads only the header and the first `limit` images, so a small limit on a
 * 47 MB file costs a few KB of I/O. The header and the file size get the same
 * checks a full parse applies, so a file a full parse rejects is rejected here
 * too. `fileCount` is the count the header declares, for pairing checks.
 * A gzip file cannot be read in part and checked, so it is decompressed whole
 * and the kept images are copied out (letting the rest be freed).
 */
export async function readIdxImagesPrefix(
  path: string,
  limit: number,
): Promise<{ fileCount: number; images: IdxImages }> {
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new RangeError(`readIdxImagesPrefix '${path}': limit must be a non-negative integer, got ${limit}`);
  }
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const start = await readExactly(file, path, 0, Math.min(size, IDX_MAX_HEADER_BYTES));
    if (looksGzipped(start)) return prefixOfWhole(await readIdxImagesFile(path), limit);
    const header = readIdxHeader(start, path);
    const { count, rows, cols } = expectImagesHeader(header, path);
    checkIdxByteLength(header, size, path);
    const kept = Math.min(limit, count);
    const pixels = await readExactly(file, path, header.headerByteLength, kept * rows * cols);
    return { fileCount: count, images: { count: kept, rows, cols, pixels } };
  } finally {
    await file.close();
  }
}

function prefixOfWhole(images: IdxImages, limit: number): { fileCount: number; images: IdxImages } {
  const kept = Math.min(limit, images.count);
  const pixels = images.pixels.slice(0, kept * images.rows * images.cols);
  return { fileCount: images.count, images: { ...images, count: kept, pixels } };
}

/** `FileHandle.read` may return fewer bytes than asked; loop until `length` bytes are in. */
async function readExactly(file: FileHandle, path: string, position: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await file.read(out, filled, length - filled, position + filled);
    if (bytesRead === 0) {
      throw new IdxError(`${path}: ended at byte ${position + filled} while ${position + length} were expected; was it changed while being read?`);
    }
    filled += bytesRead;
  }
  return out;
}
