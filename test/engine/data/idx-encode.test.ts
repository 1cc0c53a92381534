import { describe, expect, it } from 'vitest';
import { parseIdx, type IdxArray } from '../../../engine/data/idx';
import { encodeIdx } from '../../../engine/data/idx-encode';
import { Rng } from '../../../engine/rng';

describe('encodeIdx', () => {
  it('writes the bytes of a known file: MNIST-style header, big-endian dims, then the data', () => {
    const bytes = encodeIdx({ type: 'u8', dims: [2, 1, 3], data: Uint8Array.of(1, 2, 3, 4, 5, 255) });
    expect(Array.from(bytes)).toEqual([0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255]);
    expect(Array.from(encodeIdx({ type: 'i32', dims: [1], data: Int32Array.of(-2) }))).toEqual([0, 0, 0x0c, 1, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe]);
  });

  it('is the inverse of parseIdx for every element type', () => {
    const rng = new Rng(4);
    const r = () => rng.nextU32();
    const arrays: IdxArray[] = [
      { type: 'u8', dims: [3, 4], data: Uint8Array.from({ length: 12 }, () => r() & 0xff) },
      { type: 'i8', dims: [5], data: Int8Array.from({ length: 5 }, () => (r() & 0xff) - 128) },
      { type: 'i16', dims: [2, 3], data: Int16Array.from({ length: 6 }, () => (r() & 0xffff) - 32768) },
      { type: 'i32', dims: [7, 1], data: Int32Array.from({ length: 7 }, () => r() | 0) },
      { type: 'f32', dims: [4], data: Float32Array.from({ length: 4 }, () => rng.uniform() * 1e6 - 5e5) },
      { type: 'f64', dims: [2, 2, 2], data: Float64Array.from({ length: 8 }, () => rng.uniform() - 0.5) },
    ];
    for (const a of arrays) expect(parseIdx(encodeIdx(a))).toEqual(a);
  });

  it('refuses dims that do not hold the data, naming it', () => {
    expect(() => encodeIdx({ type: 'u8', dims: [2, 3], data: new Uint8Array(5) }, 'train-images')).toThrow(/train-images: dims \[2, 3\] hold 6 elements; the data has 5/);
    expect(() => encodeIdx({ type: 'u8', dims: [0], data: new Uint8Array(0) })).toThrow(/dims are \[0\]; allowed: 1 to 255 integers from 1 to 4294967295/);
    expect(() => encodeIdx({ type: 'u8', dims: [], data: new Uint8Array(0) })).toThrow(/dims are \[\]/);
  });
});
