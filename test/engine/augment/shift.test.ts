import { describe, it, expect } from 'vitest';
import { createAugmentation } from '../../../engine/augment/registry';
import { shiftImage } from '../../../engine/augment/shift';
import { Rng } from '../../../engine/rng';

const shape = { rows: 3, cols: 3, channels: 1 };
const src = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);

describe('shiftImage', () => {
  it.each([
    [0, 0, [1, 2, 3, 4, 5, 6, 7, 8, 9]],
    [1, 0, [0, 1, 2, 0, 4, 5, 0, 7, 8]],
    [-1, 0, [2, 3, 0, 5, 6, 0, 8, 9, 0]],
    [0, 1, [0, 0, 0, 1, 2, 3, 4, 5, 6]],
    [1, -1, [0, 4, 5, 0, 7, 8, 0, 0, 0]],
    [-2, 2, [0, 0, 0, 0, 0, 0, 3, 0, 0]],
    [3, 0, [0, 0, 0, 0, 0, 0, 0, 0, 0]],
    [0, -5, [0, 0, 0, 0, 0, 0, 0, 0, 0]],
  ])('moves the content by (%s, %s), zero fill', (dx, dy, expected) => {
    const dst = new Uint8Array(9).fill(99); // stale bytes must not survive
    shiftImage(src, dst, shape, dx, dy);
    expect([...dst]).toEqual(expected);
  });

  it('moves every channel of a pixel together', () => {
    const rgb = Uint8Array.from([1, 2, 3, 4, 5, 6]); // 1 row, 2 pixels
    const dst = new Uint8Array(6);
    shiftImage(rgb, dst, { rows: 1, cols: 2, channels: 3 }, 1, 0);
    expect([...dst]).toEqual([0, 0, 0, 1, 2, 3]);
  });

  it('rejects a fractional shift', () => {
    expect(() => shiftImage(src, new Uint8Array(9), shape, 0.5, 0)).toThrow('shiftImage: dx, dy are 0.5, 0; allowed: integers');
  });
});

describe('the shift augmentation', () => {
  it('draws every offset in −max…max on both axes and no other', () => {
    const side = 9;
    const dot = new Uint8Array(side * side);
    dot[4 * side + 4] = 255;
    const dst = new Uint8Array(side * side);
    const aug = createAugmentation({ name: 'shift', max: 2 });
    const rng = new Rng(3);
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      aug.apply(dot, dst, { rows: side, cols: side, channels: 1 }, rng);
      const at = dst.indexOf(255);
      expect(dst.reduce((a, b) => a + b, 0)).toBe(255); // moved, not lost or smeared
      seen.add(`${(at % side) - 4},${Math.floor(at / side) - 4}`);
    }
    expect(seen.size).toBe(25);
    for (const key of seen) for (const d of key.split(',')) expect(Math.abs(Number(d))).toBeLessThanOrEqual(2);
  });

  it('max 0 is the identity', () => {
    const dst = new Uint8Array(9);
    createAugmentation({ name: 'shift', max: 0 }).apply(src, dst, shape, new Rng(1));
    expect(dst).toEqual(src);
  });
});
