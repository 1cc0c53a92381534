/**
 * Parser for the IDX file format, the format MNIST ships in.
 *
 * Layout: magic `0x00 0x00 <type code> <dimension count>`, then one big-endian
 * uint32 per dimension, then every element big-endian in row-major order.
 *
 * Pure on purpose: bytes in, typed arrays out. Reading files belongs to a
 * platform seam (see `idx-file-node.ts`), so this code runs unchanged in Node,
 * the renderer and workers. The header helpers are exported so such a seam
 * can read only part of a large file and still apply exactly the checks a full
 * parse applies.
 */

import { EngineError } from '../errors';

/** Thrown for any malformed or unexpected IDX input (code `bad-data`); the message names the source. */
export class IdxError extends EngineError {
  constructor(message: string) {
    super('bad-data', message);
    this.name = 'IdxError';
  }
}

export type IdxType = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';

/** A parsed IDX array; `type` says which typed array `data` is. */
export type IdxArray =
  | { type: 'u8'; dims: number[]; data: Uint8Array }
  | { type: 'i8'; dims: number[]; data: Int8Array }
  | { type: 'i16'; dims: number[]; data: Int16Array }
  | { type: 'i32'; dims: number[]; data: Int32Array }
  | { type: 'f32'; dims: number[]; data: Float32Array }
  | { type: 'f64'; dims: number[]; data: Float64Array };

export interface IdxHeader {
  type: IdxType;
  dims: number[];
  /** Bytes before the data: 4 magic bytes plus 4 per dimension. */
  headerByteLength: number;
  /** Bytes of data the dimensions promise: product of dims times the element size. */
  dataByteLength: number;
}

/** Images: `pixels` is row-major, `count * rows * cols` bytes. */
export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  pixels: Uint8Array;
}

export interface IdxLabels {
  count: number;
  labels: Uint8Array;
}

/** Images paired one-to-one with their labels. */
export interface LabelledImages extends IdxImages {
  labels: Uint8Array;
  /** Declared class count, or max label + 1 when none was declared. */
  classCount: number;
}

/** The longest possible header (255 dimensions): reading this many bytes always covers it. */
export const IDX_MAX_HEADER_BYTES = 4 + 4 * 255;

/**
 * Refuse headers promising more than 2 GiB - 1 of data: that is beyond what
 * every JS engine we target can hold in one ArrayBuffer, and a far likelier
 * explanation is a corrupt header.
 */
export const IDX_MAX_DATA_BYTES = 2 ** 31 - 1;

const ELEMENT_TYPES: ReadonlyMap<number, { type: IdxType; byteSize: number }> = new Map([
  [0x08, { type: 'u8', byteSize: 1 }],
  [0x09, { type: 'i8', byteSize: 1 }],
  [0x0b, { type: 'i16', byteSize: 2 }],
  [0x0c, { type: 'i32', byteSize: 4 }],
  [0x0d, { type: 'f32', byteSize: 4 }],
  [0x0e, { type: 'f64', byteSize: 8 }],
]);

const ALLOWED_TYPE_CODES = [...ELEMENT_TYPES]
  .map(([code, { type }]) => `${hex(code)} (${type})`)
  .join(', ');

const MAGIC_SHAPE = '0x00 0x00 <type code> <dimension count>';

function fail(name: string, problem: string): never {
  throw new IdxError(`${name}: ${problem}`);
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

function describeDims(dims: readonly number[]): string {
  const noun = dims.length === 1 ? 'dimension' : 'dimensions';
  return `${dims.length} ${noun} [${dims.join(', ')}]`;
}

/** gzip streams start 1f 8b (RFC 1952). */
export function looksGzipped(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** A hint for the commonest wrong files handed to an IDX reader. */
function formatHint(bytes: Uint8Array): string {
  if (looksGzipped(bytes)) return '; this looks gzip-compressed, decompress it first';
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return '; this is a PNG image, not IDX';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return '; this is a JPEG image, not IDX';
  return '';
}

/** Reads and validates the header only; `bytes` may hold just a prefix of the file. */
export function readIdxHeader(bytes: Uint8Array, name = 'IDX data'): IdxHeader {
  if (bytes.length < 4) {
    fail(name, `too short for an IDX header: ${bytes.length} bytes, need at least 4 (${MAGIC_SHAPE})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint8(0) !== 0 || view.getUint8(1) !== 0) {
    const found = Array.from(bytes.subarray(0, 4), hex).join(' ');
    fail(name, `bad magic bytes ${found}: an IDX file starts with ${MAGIC_SHAPE}${formatHint(bytes)}`);
  }
  const typeCode = view.getUint8(2);
  const element = ELEMENT_TYPES.get(typeCode);
  if (element === undefined) {
    fail(name, `unknown type code ${hex(typeCode)}: allowed are ${ALLOWED_TYPE_CODES}`);
  }
  const dimCount = view.getUint8(3);
  if (dimCount === 0) {
    fail(name, 'dimension count is 0: an IDX file has at least 1 dimension');
  }
  const headerByteLength = 4 + 4 * dimCount;
  if (bytes.length < headerByteLength) {
    fail(
      name,
      `too short for an IDX header with ${dimCount} dimensions: ${bytes.length} bytes, need ${headerByteLength}`,
    );
  }
  const dims = Array.from({ length: dimCount }, (_, i) => view.getUint32(4 + 4 * i, false));
  const zeroAt = dims.indexOf(0);
  if (zeroAt !== -1) {
    fail(name, `dimension ${zeroAt} is 0 in ${describeDims(dims)}: every dimension must be at least 1`);
  }
  const dataByteLength = dims.reduce((product, size) => product * size, element.byteSize);
  if (dataByteLength > IDX_MAX_DATA_BYTES) {
    fail(
      name,
      `${describeDims(dims)} of ${element.type} need more than ${IDX_MAX_DATA_BYTES} bytes of data ` +
        '(the most allowed): the header is probably corrupt',
    );
  }
  return { type: element.type, dims, headerByteLength, dataByteLength };
}

/** Checks a file of `totalByteLength` bytes holds exactly the data its header promises. */
export function checkIdxByteLength(header: IdxHeader, totalByteLength: number, name = 'IDX data'): void {
  const found = totalByteLength - header.headerByteLength;
  if (found === header.dataByteLength) return;
  const promise = `${describeDims(header.dims)} of ${header.type} expect ${header.dataByteLength} bytes of data, found ${found}`;
  if (found < header.dataByteLength) fail(name, `truncated: ${promise}`);
  fail(name, `${found - header.dataByteLength} trailing bytes: ${promise}; the file is not what its header claims`);
}

/** Parses a whole IDX file. u8 and i8 data are views into `bytes`; wider types are decoded copies. */
export function parseIdx(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  const header = readIdxHeader(bytes, name);
  checkIdxByteLength(header, bytes.length, name);
  const body = bytes.subarray(header.headerByteLength);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const dims = header.dims;
  switch (header.type) {
    case 'u8':
      return { type: 'u8', dims, data: body };
    case 'i8':
      return { type: 'i8', dims, data: new Int8Array(body.buffer, body.byteOffset, body.byteLength) };
    case 'i16':
      return { type: 'i16', dims, data: decode(new Int16Array(body.length / 2), (i) => view.getInt16(2 * i, false)) };
    case 'i32':
      return { type: 'i32', dims, data: decode(new Int32Array(body.length / 4), (i) => view.getInt32(4 * i, false)) };
    case 'f32':
      return { type: 'f32', dims, data: decode(new Float32Array(body.length / 4), (i) => view.getFloat32(4 * i, false)) };
    case 'f64':
      return { type: 'f64', dims, data: decode(new Float64Array(body.length / 8), (i) => view.getFloat64(8 * i, false)) };
  }
}

/** Fills `out` element by element; DataView does the big-endian conversion whatever the host order. */
function decode<T extends { length: number; [index: number]: number }>(out: T, read: (index: number) => number): T {
  for (let i = 0; i < out.length; i++) out[i] = read(i);
  return out;
}

/** Checks a header describes an images file: u8, dims [count, rows, cols]. */
export function expectImagesHeader(header: IdxHeader, name = 'IDX images'): { count: number; rows: number; cols: number } {
  const { dims } = header;
  const [count, rows, cols] = dims;
  if (dims.length !== 3 || count === undefined || rows === undefined || cols === undefined) {
    const hint = dims.length === 1 ? ': is this a labels file?' : '';
    fail(name, `expected an images file (3 dimensions [count, rows, cols]), got ${describeDims(dims)}${hint}`);
  }
  if (header.type !== 'u8') {
    fail(name, `expected an images file of unsigned bytes (type 0x08, u8), got type ${header.type}`);
  }
  return { count, rows, cols };
}

/** Checks a header describes a labels file: u8, dims [count]. */
export function expectLabelsHeader(header: IdxHeader, name = 'IDX labels'): { count: number } {
  const { dims } = header;
  const [count] = dims;
  if (dims.length !== 1 || count === undefined) {
    const hint = dims.length === 3 ? ': is this an images file?' : '';
    fail(name, `expected a labels file (1 dimension), got ${describeDims(dims)}${hint}`);
  }
  if (header.type !== 'u8') {
    fail(name, `expected a labels file of unsigned bytes (type 0x08, u8), got type ${header.type}`);
  }
  return { count };
}

/** Parses an images file. The shape is checked before the length, so a wrong kind of file is named as such. */
export function parseIdxImages(bytes: Uint8Array, name = 'IDX images'): IdxImages {
  const header = readIdxHeader(bytes, name);
  const shape = expectImagesHeader(header, name);
  checkIdxByteLength(header, bytes.length, name);
  return { ...shape, pixels: bytes.subarray(header.headerByteLength) };
}

/** Parses a labels file; `labels` is a view into `bytes`. */
export function parseIdxLabels(bytes: Uint8Array, name = 'IDX labels'): IdxLabels {
  const header = readIdxHeader(bytes, name);
  const shape = expectLabelsHeader(header, name);
  checkIdxByteLength(header, bytes.length, name);
  return { ...shape, labels: bytes.subarray(header.headerByteLength) };
}

export interface PairNames {
  images: string;
  labels: string;
}

/** Images and labels files describe the same items only if their counts agree. */
export function checkPairedCounts(imageCount: number, labelCount: number, names: PairNames): void {
  if (imageCount === labelCount) return;
  throw new IdxError(
    `images file '${names.images}' has ${imageCount} images but labels file '${names.labels}' has ` +
      `${labelCount} labels: each image needs exactly one label`,
  );
}

/**
 * Validates labels against a declared class count (if any) and returns the
 * class count: the declared one, else max label + 1. A declared count wins so
 * that a slice missing the highest class still reports the dataset's classes.
 */
export function labelClassCount(labels: Uint8Array, name: string, declared?: number): number {
  if (declared !== undefined && !(Number.isInteger(declared) && declared >= 1 && declared <= 256)) {
    throw new RangeError(`classCount for '${name}' must be an integer in [1, 256], got ${declared}`);
  }
  let max = -1;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] ?? 0;
    if (declared !== undefined && label >= declared) {
      fail(name, `label ${label} at index ${i} is not below the class count ${declared} (allowed 0..${declared - 1})`);
    }
    if (label > max) max = label;
  }
  return declared ?? max + 1;
}

/** Pairs parsed images with parsed labels, one label per image. */
export function pairImagesLabels(
  images: IdxImages,
  labels: IdxLabels,
  names: PairNames = { images: 'IDX images', labels: 'IDX labels' },
  options: { classCount?: number } = {},
): LabelledImages {
  checkPairedCounts(images.count, labels.count, names);
  const classCount = labelClassCount(labels.labels, names.labels, options.classCount);
  return { ...images, labels: labels.labels, classCount };
}
