import { describe, expect, it } from 'vitest';
import { dropAlpha, resizeArea, toGray } from '../../../engine/data/image';
import { engineError as errorOf } from '../../helpers/errors';


describe('toGray (BT.601 luma, rounded half up)', () => {
  it.each([
    [[255, 0, 0, 255], 76], // 0.299·255 = 76.245
    [[0, 255, 0, 255], 150], // 0.587·255 = 149.685
    [[0, 0, 255, 255], 29], // 0.114·255 = 29.07
    [[255, 255, 255, 255], 255], // weights sum to 1
    [[10, 20, 30, 255], 18], // 2.99 + 11.74 + 3.42 = 18.15
    [[0, 0, 250, 255], 29], // 28.5 exactly: half up
    [[255, 0, 0, 0], 76], // alpha ignored
  ])('%j → %d', (rgba, grey) => {
    expect(Array.from(toGray(Uint8Array.from(rgba), 1, 1))).toEqual([grey]);
  });

  it('keeps pixel order', () => {
    expect(Array.from(toGray(Uint8Array.of(255, 255, 255, 255, 0, 0, 0, 255, 255, 0, 0, 255), 3, 1))).toEqual([255, 0, 76]);
  });
});

describe('dropAlpha', () => {
  it('keeps R, G, B of each pixel', () => {
    expect(Array.from(dropAlpha(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), 2, 1))).toEqual([1, 2, 3, 5, 6, 7]);
  });
});

describe('resizeArea', () => {
  it('averages 2x2 blocks for 4x4 → 2x2 (hand-computed)', () => {
    const src = Uint8Array.of(
      0, 10, 20, 30,
      40, 50, 60, 70,
      80, 90, 100, 110,
      120, 130, 140, 150,
    );
    // (0+10+40+50)/4 = 25, (20+30+60+70)/4 = 45, (80+90+120+130)/4 = 105, (100+110+140+150)/4 = 125
    expect(Array.from(resizeArea(src, 4, 4, 1, 2, 2))).toEqual([25, 45, 105, 125]);
  });

  it('averages each channel on its own', () => {
    const src = Uint8Array.of(10, 20, 30, 20, 30, 40, 30, 40, 50, 40, 50, 61);
    expect(Array.from(resizeArea(src, 2, 2, 3, 1, 1))).toEqual([25, 35, 45]); // 181/4 = 45.25
  });

  it.each([
    ['1.5 rounds up', [1, 2], 2, 1, [2]],
    ['0.75 rounds up', [0, 1, 1, 1], 4, 1, [1]],
    ['0.25 rounds down', [0, 0, 0, 1], 4, 1, [0]],
    // dest 0 covers source [0, 1.5): (0·1 + 30·0.5)/1.5 = 10; dest 1 [1.5, 3): (30·0.5 + 90·1)/1.5 = 70
    ['3 → 2 with fractional overlaps', [0, 30, 90], 3, 2, [10, 70]],
    ['2 → 4 repeats pixels', [0, 100], 2, 4, [0, 0, 100, 100]],
    // dest 1 covers source [2/3, 4/3): a third of each pixel → 50
    ['2 → 3 blends the middle', [0, 100], 2, 3, [0, 50, 100]],
  ])('one row: %s', (_, src, sw, dw, expected) => {
    expect(Array.from(resizeArea(Uint8Array.from(src), sw, 1, 1, dw, 1))).toEqual(expected);
  });

  it('resizes rows and columns independently (3x2 → 2x1)', () => {
    // Columns as above give rows [10, 70] and [20, 80] (src row 2: 0, 60, 90 → (0 + 30)/1.5 = 20, (30 + 90)/1.5 = 80); mean → [15, 75].
    expect(Array.from(resizeArea(Uint8Array.of(0, 30, 90, 0, 60, 90), 3, 2, 1, 2, 1))).toEqual([15, 75]);
  });

  it('keeps a solid colour at any size', () => {
    const src = new Uint8Array(7 * 5 * 3).map((_, i) => [17, 128, 250][i % 3]);
    for (const [dw, dh] of [[1, 1], [2, 3], [7, 5], [8, 8], [13, 4]]) {
      const out = resizeArea(src, 7, 5, 3, dw, dh);
      expect(Array.from(out), `${dw}x${dh}`).toEqual(Array.from({ length: dw * dh * 3 }, (_, i) => [17, 128, 250][i % 3]));
    }
  });

  it('returns a copy at the same size', () => {
    const src = Uint8Array.of(1, 2, 3, 4);
    const out = resizeArea(src, 2, 2, 1, 2, 2);
    expect(out).toEqual(src);
    expect(out).not.toBe(src);
  });
});

describe('bad pixel arguments', () => {
  it.each<[string, () => unknown, RegExp]>([
    ['toGray with too few bytes', () => toGray(new Uint8Array(7), 2, 1), /^toGray: image has 7 bytes; allowed: exactly 8 \(width\*height\*channels = 2\*1\*4\)$/],
    ['toGray with width 0', () => toGray(new Uint8Array(0), 0, 1), /^toGray: width is 0; allowed: an integer >= 1$/],
    ['dropAlpha with RGB input', () => dropAlpha(new Uint8Array(6), 2, 1), /^dropAlpha: image has 6 bytes; allowed: exactly 8/],
    ['resizeArea with 0 channels', () => resizeArea(new Uint8Array(4), 2, 2, 0, 1, 1), /^resizeArea \(source\): channels is 0; allowed: an integer >= 1$/],
    ['resizeArea to width 0', () => resizeArea(new Uint8Array(4), 2, 2, 1, 0, 1), /^resizeArea: dw is 0; allowed: an integer >= 1$/],
    ['resizeArea to height 1.5', () => resizeArea(new Uint8Array(4), 2, 2, 1, 1, 1.5), /^resizeArea: dh is 1\.5; allowed: an integer >= 1$/],
    ['resizeArea with a short source', () => resizeArea(new Uint8Array(3), 2, 2, 1, 1, 1), /^resizeArea \(source\): image has 3 bytes; allowed: exactly 4/],
  ])('%s', (_, call, expected) => {
    const error = errorOf(call);
    expect(error.code).toBe('bad-option');
    expect(error.message).toMatch(expected);
  });
});
