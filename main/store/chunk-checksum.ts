/**
 * Checksums of dataset chunks: SQLite checks its own pages' structure, not the bytes of a blob, so
 * garbage written into a chunk's pixels (a bad disk sector, a stray write, a file edited by hand)
 * would be trained on as data. Each chunk stores the CRC-32 of its samples, labels and lengths, and
 * every read checks it. zlib's CRC-32 is native: 4.4 GB/s measured here, so checking all of
 * MNIST's training pixels (47 MB) adds 11 ms to a read that takes far longer. The checksum's
 * definition must never change: stored values (migration 6 computed the first) depend on it.
 */
import { crc32 } from 'node:zlib';
import { storeDamaged } from './damage';

/** CRC-32 of a chunk's columns in order: data, labels, then lengths (event datasets only). */
export function chunkChecksum(data: Uint8Array, labels: Uint8Array, lengths: Uint8Array | null): number {
  let crc = crc32(labels, crc32(data));
  if (lengths !== null) crc = crc32(lengths, crc);
  return crc >>> 0;
}

export interface StoredChunk {
  chunk: number;
  first: number;
  count: number;
  data: Uint8Array;
  labels: Uint8Array;
  lengths: Uint8Array | null;
  checksum: number | null;
}

/** Where a chunk lives, for the message that names it. */
export interface ChunkPlace {
  storePath: string;
  dataset: string;
  split: string;
}

/** Throws `store-damaged`, naming dataset, split, chunk and its samples, when a chunk's bytes are not the ones stored. */
export function verifyChunk(place: ChunkPlace, c: StoredChunk): void {
  const found = chunkChecksum(c.data, c.labels, c.lengths);
  if (c.checksum === found) return;
  const stored = c.checksum === null ? 'no checksum' : `checksum ${hex(c.checksum)}`;
  throw storeDamaged(
    place.storePath,
    `dataset ${JSON.stringify(place.dataset)} ${place.split} chunk ${c.chunk} (samples ${c.first} to ${c.first + c.count - 1}) ` +
      `has ${stored} but its bytes give ${hex(found)}: they changed after the import`,
  );
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
