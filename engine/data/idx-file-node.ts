/**
 * Node platform seam for IDX files: the only place (with `mnist-node.ts`) in
 * engine/data that touches the file system. Parsing stays in `idx.ts`.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import {
  IDX_MAX_HEADER_BYTES,
  IdxError,
  checkIdxByteLength,
  expectImagesHeader,
  parseIdxImages,
  parseIdxLabels,
  readIdxHeader,
  type IdxImages,
  type IdxLabels,
} from './idx';

/** Reads a whole file as a plain Uint8Array (not a Buffer) so results compare equal to hand-built arrays. */
async function readBytes(path: string): Promise<Uint8Array> {
  const buffer = await readFile(path);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export async function readIdxImagesFile(path: string): Promise<IdxImages> {
  return parseIdxImages(await readBytes(path), path);
}

export async function readIdxLabelsFile(path: string): Promise<IdxLabels> {
  return parseIdxLabels(await readBytes(path), path);
}

/**
 * Reads only the header and the first `limit` images, so a small limit on a
 * 47 MB file costs a few KB of I/O. The header and the file size get the same
 * checks a full parse applies, so a file a full parse rejects is rejected here
 * too. `fileCount` is the count the header declares, for pairing checks.
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
    const header = readIdxHeader(await readExactly(file, path, 0, Math.min(size, IDX_MAX_HEADER_BYTES)), path);
    const { count, rows, cols } = expectImagesHeader(header, path);
    checkIdxByteLength(header, size, path);
    const kept = Math.min(limit, count);
    const pixels = await readExactly(file, path, header.headerByteLength, kept * rows * cols);
    return { fileCount: count, images: { count: kept, rows, cols, pixels } };
  } finally {
    await file.close();
  }
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
