/**
 * Node platform seam for IDX files: reads them, raw or gzip-compressed (as
 * MNIST and Fashion-MNIST are distributed), and hands the bytes to `idx.ts`.
 * Compression is recognised by its magic bytes (1f 8b), not by the file name.
 */
import { createGunzip } from 'node:zlib';
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
import { openRegularFile, readExactly, readRegularFile } from './regular-file-node';

/**
 * The largest an IDX file may be, raw or gzip: beyond it the header check would refuse it anyway
 * (gzip never grows an IDX file by more than a few bytes per 64 KiB).
 */
export const IDX_MAX_FILE_BYTES = IDX_MAX_HEADER_BYTES + IDX_MAX_DATA_BYTES;

const IDX_FILE = { what: 'IDX file', maxBytes: IDX_MAX_FILE_BYTES };

/** Inflated output per step: big steps keep a 47 MB Fashion-MNIST file to ~50 of them. */
const INFLATE_CHUNK_BYTES = 1 << 20;

/** A Buffer viewed as a plain Uint8Array, so results compare equal to hand-built arrays. */
function plain(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * Decompresses gzip bytes read from `path`, never past what the IDX header promises: the header
 * (the first bytes out) gives the exact size of the file, so output is written into one array of
 * that size and a stream that goes on is refused there (a 1 MB gzip of zeros would otherwise
 * inflate to gigabytes first). A shorter stream is returned as it is, for the parser to name what
 * is missing. zlib inflates on libuv's thread pool, so the event loop stays free meanwhile.
 */
export async function gunzipIdx(bytes: Uint8Array, path: string): Promise<Uint8Array> {
  const inflater = createGunzip({ chunkSize: INFLATE_CHUNK_BYTES });
  inflater.end(bytes);
  const head: Buffer[] = [];
  let headBytes = 0;
  let out: Uint8Array | undefined;
  let filled = 0;
  try {
    for await (const piece of inflater as AsyncIterable<Buffer>) {
      if (out === undefined) {
        head.push(piece);
        headBytes += piece.length;
        const start = Buffer.concat(head);
        // The header's length is in its 4th byte; until it is all in, keep collecting.
        if (headBytes < 4 || headBytes < 4 + 4 * start[3]!) continue;
        const header = readIdxHeader(start, path);
        out = new Uint8Array(header.headerByteLength + header.dataByteLength);
        filled = copyCapped(out, 0, start, path);
      } else {
        filled = copyCapped(out, filled, piece, path);
      }
    }
  } catch (cause) {
    inflater.destroy();
    if (cause instanceof IdxError) throw cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new IdxError(`${path}: starts like gzip (1f 8b) but does not decompress (${reason}): the file is truncated or corrupt; download it again`);
  }
  if (out === undefined) return plain(Buffer.concat(head));
  return out.subarray(0, filled);
}

/** Copies `piece` into `out` at `at`; more than `out` holds is refused. Returns the new fill. */
function copyCapped(out: Uint8Array, at: number, piece: Uint8Array, path: string): number {
  if (at + piece.length > out.length) {
    throw new IdxError(
      `${path}: decompresses to more than the ${out.length} bytes its header promises (header and data); ` +
        'refused there: the file is corrupt or built to exhaust memory',
    );
  }
  out.set(piece, at);
  return at + piece.length;
}

/** The bytes of an IDX file, decompressed if it is gzip. */
export async function readIdxBytes(path: string): Promise<Uint8Array> {
  const bytes = plain(await readRegularFile(path, IDX_FILE));
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
  const { file, size } = await openRegularFile(path, IDX_FILE);
  try {
    const start = plain(await readExactly(file, path, 0, Math.min(size, IDX_MAX_HEADER_BYTES)));
    if (looksGzipped(start)) return prefixOfWhole(await readIdxImagesFile(path), limit);
    const header = readIdxHeader(start, path);
    const { count, rows, cols } = expectImagesHeader(header, path);
    checkIdxByteLength(header, size, path);
    const kept = Math.min(limit, count);
    const pixels = plain(await readExactly(file, path, header.headerByteLength, kept * rows * cols));
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
