import { describe, it, expect } from 'vitest';
import { warpBilinear } from '../../../engine/augment/warp';
import { Rng } from '../../../engine/rng';

function randomImage(n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: n }, () => rng.nextU32() & 255);
}

const constant = (n: number, v: number) => new Float32Array(n).fill(v);

describe('warpBilinear', () => {
  it('a zero field is the identity, exactly, for any channel count', () => {
    for (const channels of [1, 2, 3]) {
      const shape = { rows: 5, cols: 7, channels };
      const src = randomImage(5 * 7 * channels, channels);
      const dst = new Uint8Array(src.length);
      warpBilinear(src, dst, shape, constant(35, 0), constant(35, 0));
      expect(dst).toEqual(src);
    }
  });

  it('a constant field (1, 0) moves the image one pixel left, exactly, zero-filling the last column', () => {
    const shape = { rows: 4, cols: 6, channels: 3 };
    const src = randomImage(72, 7);
    const dst = new Uint8Array(72);
    warpBilinear(src, dst, shape, constant(24, 1), constant(24, 0));
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 6; x++) {
        for (let c = 0; c < 3; c++) {
          const expected = x < 5 ? src[(y * 6 + x + 1) * 3 + c] : 0;
          expect(dst[(y * 6 + x) * 3 + c]).toBe(expected);
        }
      }
    }
  });

  it('a constant field (0, −2) moves the image two rows down', () => {
    const shape = { rows: 4, cols: 3, channels: 1 };
    const src = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const dst = new Uint8Array(12);
    warpBilinear(src, dst, shape, constant(12, 0), constant(12, -2));
    expect([...dst]).toEqual([0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6]);
  });

  it('half a pixel averages the neighbours (golden values, rounded half up)', () => {
    const shape = { rows: 2, cols: 4, channels: 1 };
    const src = Uint8Array.from([10, 20, 31, 40, 50, 60, 70, 80]);
    const dst = new Uint8Array(8);
    warpBilinear(src, dst, shape, constant(8, 0.5), constant(8, 0));
    // (10+20)/2, (20+31)/2 = 25.5 → 26, (31+40)/2 = 35.5 → 36, (40+0)/2; second row alike.
    expect([...dst]).toEqual([15, 26, 36, 20, 55, 65, 75, 40]);
    warpBilinear(src, dst, shape, constant(8, 0), constant(8, 0.5));
    expect([...dst]).toEqual([30, 40, 51, 60, 25, 30, 35, 40]);
    warpBilinear(src, dst, shape, constant(8, 0.5), constant(8, 0.5));
    // (10+20+50+60)/4 = 35, (20+31+60+70)/4 = 45.25 → 45, (31+40+70+80)/4 = 55.25 → 55, (40+80)/4 = 30; row 2 halves.
    expect([...dst]).toEqual([35, 45, 55, 30, 28, 33, 38, 20]);
    warpBilinear(src, dst, shape, constant(8, -0.5), constant(8, 0));
    expect([...dst]).toEqual([5, 15, 26, 36, 25, 55, 65, 75]);
  });

  it('a quarter pixel weighs 3 : 1', () => {
    const shape = { rows: 1, cols: 2, channels: 1 };
    const dst = new Uint8Array(2);
    warpBilinear(Uint8Array.from([100, 200]), dst, shape, constant(2, 0.25), constant(2, 0));
    expect([...dst]).toEqual([125, 150]);
  });

  it('rejects wrong sizes and a shared buffer', () => {
    const shape = { rows: 2, cols: 2, channels: 1 };
    const img = new Uint8Array(4);
    expect(() => warpBilinear(img, new Uint8Array(5), shape, constant(4, 0), constant(4, 0))).toThrow('warpBilinear: dst has 5 bytes; allowed: 4');
    expect(() => warpBilinear(img, img, shape, constant(4, 0), constant(4, 0))).toThrow('src and dst overlap');
    expect(() => warpBilinear(img, new Uint8Array(4), shape, constant(3, 0), constant(4, 0))).toThrow('dx and dy need 4 elements');
  });
});
