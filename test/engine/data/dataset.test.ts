import { describe, it, expect } from 'vitest';
import { pixelsAsFloat, sliceDataset, type ImageDataset } from '../../../engine/data/dataset';

/** 3 images of 1x2 pixels, 2 channels: 4 bytes each. */
function tinyDataset(): ImageDataset {
  return {
    name: 'tiny',
    count: 3,
    rows: 1,
    cols: 2,
    channels: 2,
    pixels: new Uint8Array([0, 51, 102, 255, 1, 2, 3, 4, 5, 6, 7, 8]),
    labels: new Uint8Array([2, 0, 1]),
    classCount: 3,
  };
}

describe('sliceDataset', () => {
  it('keeps images [start, end) and their labels', () => {
    const slice = sliceDataset(tinyDataset(), 1, 3);
    expect(slice).toEqual({
      ...tinyDataset(),
      count: 2,
      pixels: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
      labels: new Uint8Array([0, 1]),
    });
  });

  it('returns views, not copies', () => {
    const ds = tinyDataset();
    const slice = sliceDataset(ds, 1, 2);
    expect(slice.pixels.buffer).toBe(ds.pixels.buffer);
    expect(slice.labels.buffer).toBe(ds.labels.buffer);
    slice.pixels[0] = 99;
    expect(ds.pixels[4]).toBe(99);
  });

  it('allows an empty slice', () => {
    expect(sliceDataset(tinyDataset(), 3, 3).count).toBe(0);
  });

  it.each([
    [-1, 2, /sliceDataset 'tiny': start must be an integer in \[0, 3\], got -1/],
    [0.5, 2, /start must be an integer in \[0, 3\], got 0.5/],
    [2, 1, /sliceDataset 'tiny': end must be an integer in \[2, 3\], got 1/],
    [0, 4, /end must be an integer in \[0, 3\], got 4/],
  ])('rejects start %s end %s', (start, end, expected) => {
    expect(() => sliceDataset(tinyDataset(), start, end)).toThrow(expected);
  });
});

describe('pixelsAsFloat', () => {
  it('maps bytes to [0, 1] as byte / 255', () => {
    expect(Array.from(pixelsAsFloat(tinyDataset(), 0))).toEqual([0, 51 / 255, 102 / 255, 1].map(Math.fround));
  });

  it('writes into a given buffer and returns it', () => {
    const out = new Float32Array(4);
    expect(pixelsAsFloat(tinyDataset(), 2, out)).toBe(out);
    expect(out[3]).toBeCloseTo(8 / 255, 6);
  });

  it('rejects an index outside the dataset and a wrongly sized buffer', () => {
    expect(() => pixelsAsFloat(tinyDataset(), 3)).toThrow(/pixelsAsFloat 'tiny': index must be an integer in \[0, 2\], got 3/);
    expect(() => pixelsAsFloat(tinyDataset(), 0, new Float32Array(3))).toThrow(
      /out must have 4 elements \(rows\*cols\*channels\), got 3/,
    );
  });
});
