import { describe, it, expect } from 'vitest';
import { EngineError } from '../../../engine/errors';
import {
  IdxError,
  pairImagesLabels,
  parseIdx,
  parseIdxImages,
  parseIdxLabels,
  readIdxHeader,
} from '../../../engine/data/idx';

/** Builds IDX bytes by hand: magic, big-endian uint32 dims, then the raw data bytes. */
function idx(typeCode: number, dims: number[], data: number[] | Uint8Array = []): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header.set([0, 0, typeCode, dims.length]);
  dims.forEach((size, i) => view.setUint32(4 + 4 * i, size, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

const GOLDEN_PIXELS = [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255];
const GOLDEN_IMAGES = idx(0x08, [2, 2, 3], GOLDEN_PIXELS);
const GOLDEN_LABELS = idx(0x08, [2], [3, 7]);

describe('parseIdx golden values', () => {
  it('parses a hand-built images file of 2 images of 2x3', () => {
    expect(Array.from(GOLDEN_IMAGES.subarray(0, 16))).toEqual([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3]);
    const images = parseIdxImages(GOLDEN_IMAGES, 'golden-images');
    expect(images).toEqual({ count: 2, rows: 2, cols: 3, pixels: new Uint8Array(GOLDEN_PIXELS) });
  });

  it('returns u8 data as a view into the input, not a copy', () => {
    const parsed = parseIdx(GOLDEN_IMAGES);
    expect(parsed.type).toBe('u8');
    expect(parsed.dims).toEqual([2, 2, 3]);
    expect(parsed.data.buffer).toBe(GOLDEN_IMAGES.buffer);
    expect(parsed.data.byteOffset).toBe(16);
  });

  it('parses a hand-built labels file', () => {
    expect(parseIdxLabels(GOLDEN_LABELS, 'golden-labels')).toEqual({ count: 2, labels: new Uint8Array([3, 7]) });
  });

  it('pairs images with labels; class count is max label + 1 unless declared', () => {
    const images = parseIdxImages(GOLDEN_IMAGES);
    const labels = parseIdxLabels(GOLDEN_LABELS);
    const names = { images: 'i', labels: 'l' };
    expect(pairImagesLabels(images, labels, names)).toEqual({
      count: 2,
      rows: 2,
      cols: 3,
      pixels: new Uint8Array(GOLDEN_PIXELS),
      labels: new Uint8Array([3, 7]),
      classCount: 8,
    });
    expect(pairImagesLabels(images, labels, names, { classCount: 10 }).classCount).toBe(10);
  });

  it('decodes big-endian i8, i16, i32, f32 and f64 to hand-computed values', () => {
    expect(parseIdx(idx(0x09, [3], [0x7f, 0xff, 0x80]))).toEqual({ type: 'i8', dims: [3], data: new Int8Array([127, -1, -128]) });
    // 0x0102 = 258, 0xfffe = -2, 0x8000 = -32768
    expect(parseIdx(idx(0x0b, [3], [0x01, 0x02, 0xff, 0xfe, 0x80, 0x00]))).toEqual({
      type: 'i16',
      dims: [3],
      data: new Int16Array([258, -2, -32768]),
    });
    // 0x01020304 = 16909060, 0xffffffff = -1
    expect(parseIdx(idx(0x0c, [2], [0x01, 0x02, 0x03, 0x04, 0xff, 0xff, 0xff, 0xff]))).toEqual({
      type: 'i32',
      dims: [2],
      data: new Int32Array([16909060, -1]),
    });
    // 0x3f800000 = 1, 0xc0200000 = -2.5, 0x3e200000 = 0.15625 (sign, exponent, mantissa by hand)
    expect(parseIdx(idx(0x0d, [1, 3], [0x3f, 0x80, 0, 0, 0xc0, 0x20, 0, 0, 0x3e, 0x20, 0, 0]))).toEqual({
      type: 'f32',
      dims: [1, 3],
      data: new Float32Array([1, -2.5, 0.15625]),
    });
    // 0x3ff0000000000000 = 1, 0xc000000000000000 = -2
    expect(parseIdx(idx(0x0e, [2], [0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0]))).toEqual({
      type: 'f64',
      dims: [2],
      data: new Float64Array([1, -2]),
    });
  });

  it('decodes wider types correctly from an unaligned offset', () => {
    const padded = new Uint8Array(1 + 8 + 4);
    padded.set(idx(0x0d, [1], [0xc0, 0x20, 0, 0]), 1);
    expect(parseIdx(padded.subarray(1)).data).toEqual(new Float32Array([-2.5]));
  });

  it('reads the header from a prefix of the file alone', () => {
    expect(readIdxHeader(GOLDEN_IMAGES.subarray(0, 16))).toEqual({
      type: 'u8',
      dims: [2, 2, 3],
      headerByteLength: 16,
      dataByteLength: 12,
    });
  });
});

type Parser = (bytes: Uint8Array, name: string) => unknown;

const pairWithGoldenImages: Parser = (labelBytes, name) =>
  pairImagesLabels(parseIdxImages(GOLDEN_IMAGES, 'imgs.idx'), parseIdxLabels(labelBytes, name), {
    images: 'imgs.idx',
    labels: name,
  }, { classCount: 5 });

const PNG_HEADER = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const GZIP_HEADER = [0x1f, 0x8b, 0x08, 0x00];

const BAD_INPUTS: Array<[description: string, parse: Parser, bytes: Uint8Array, expected: RegExp]> = [
  ['empty', parseIdx, new Uint8Array(0), /^bad\.idx: too short for an IDX header: 0 bytes, need at least 4/],
  ['3 bytes', parseIdx, new Uint8Array([0, 0, 8]), /^bad\.idx: too short for an IDX header: 3 bytes, need at least 4/],
  [
    'wrong magic (a PNG header)',
    parseIdx,
    new Uint8Array(PNG_HEADER),
    /^bad\.idx: bad magic bytes 0x89 0x50 0x4e 0x47: an IDX file starts with 0x00 0x00 <type code> <dimension count>; this is a PNG image, not IDX$/,
  ],
  ['a JPEG image', parseIdx, new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), /^bad\.idx: bad magic bytes 0xff 0xd8 0xff 0xe0: .*; this is a JPEG image, not IDX$/],
  ['gzip-compressed file', parseIdx, new Uint8Array(GZIP_HEADER), /bad magic bytes 0x1f 0x8b .*gzip-compressed, decompress it first/],
  [
    'unknown type code',
    parseIdx,
    idx(0x07, [1], [0]),
    /^bad\.idx: unknown type code 0x07: allowed are 0x08 \(u8\), 0x09 \(i8\), 0x0b \(i16\), 0x0c \(i32\), 0x0d \(f32\), 0x0e \(f64\)$/,
  ],
  ['zero dimension count', parseIdx, new Uint8Array([0, 0, 8, 0]), /^bad\.idx: dimension count is 0: an IDX file has at least 1 dimension$/],
  [
    'header cut inside the dimensions',
    parseIdx,
    new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2]),
    /^bad\.idx: too short for an IDX header with 3 dimensions: 8 bytes, need 16$/,
  ],
  ['zero dimension', parseIdx, idx(0x08, [2, 0, 3]), /^bad\.idx: dimension 1 is 0 in 3 dimensions \[2, 0, 3\]: every dimension must be at least 1$/],
  [
    'huge dimensions',
    parseIdx,
    idx(0x08, [65536, 65536]),
    /^bad\.idx: 2 dimensions \[65536, 65536\] of u8 need more than 2147483647 bytes of data \(the most allowed\): the header is probably corrupt$/,
  ],
  [
    'truncated data',
    parseIdx,
    idx(0x08, [2, 2, 3], [1, 2, 3, 4, 5]),
    /^bad\.idx: truncated: 3 dimensions \[2, 2, 3\] of u8 expect 12 bytes of data, found 5$/,
  ],
  [
    'truncated wide data counts bytes, not elements',
    parseIdx,
    idx(0x0e, [2], [0, 0, 0]),
    /^bad\.idx: truncated: 1 dimension \[2\] of f64 expect 16 bytes of data, found 3$/,
  ],
  [
    'trailing bytes',
    parseIdx,
    idx(0x08, [2, 2, 3], [...GOLDEN_PIXELS, 9, 9]),
    /^bad\.idx: 2 trailing bytes: 3 dimensions \[2, 2, 3\] of u8 expect 12 bytes of data, found 14; the file is not what its header claims$/,
  ],
  [
    'images file passed as labels',
    parseIdxLabels,
    GOLDEN_IMAGES,
    /^bad\.idx: expected a labels file \(1 dimension\), got 3 dimensions \[2, 2, 3\]: is this an images file\?$/,
  ],
  [
    'labels file passed as images',
    parseIdxImages,
    GOLDEN_LABELS,
    /^bad\.idx: expected an images file \(3 dimensions \[count, rows, cols\]\), got 1 dimension \[2\]: is this a labels file\?$/,
  ],
  [
    'images file of a non-byte type',
    parseIdxImages,
    idx(0x0b, [1, 1, 1], [0, 1]),
    /^bad\.idx: expected an images file of unsigned bytes \(type 0x08, u8\), got type i16$/,
  ],
  [
    'mismatched counts',
    pairWithGoldenImages,
    idx(0x08, [3], [1, 2, 3]),
    /^images file 'imgs\.idx' has 2 images but labels file 'bad\.idx' has 3 labels: each image needs exactly one label$/,
  ],
  [
    'label not below the declared class count',
    pairWithGoldenImages,
    idx(0x08, [2], [1, 7]),
    /^bad\.idx: label 7 at index 1 is not below the class count 5 \(allowed 0\.\.4\)$/,
  ],
];

describe('bad IDX input', () => {
  it.each(BAD_INPUTS)('rejects %s', (_description, parse, bytes, expected) => {
    let caught: unknown;
    try {
      parse(bytes, 'bad.idx');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(IdxError);
    expect(caught).toBeInstanceOf(EngineError);
    expect((caught as IdxError).code).toBe('bad-data');
    expect((caught as IdxError).name).toBe('IdxError');
    expect((caught as IdxError).message).toMatch(expected);
  });

  it("names the source 'IDX data' when no name is given", () => {
    expect(() => parseIdx(new Uint8Array(0))).toThrow(/^IDX data: too short/);
  });

  it('rejects a declared class count outside [1, 256]', () => {
    const images = parseIdxImages(GOLDEN_IMAGES);
    const labels = parseIdxLabels(GOLDEN_LABELS);
    expect(() => pairImagesLabels(images, labels, { images: 'i', labels: 'l' }, { classCount: 0 })).toThrow(
      /classCount for 'l' must be an integer in \[1, 256\], got 0/,
    );
  });
});
