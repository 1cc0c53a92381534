import { describe, expect, it } from 'vitest';
import { DEFAULT_EMULATION } from '../../../engine/data/emulate-events';
import { recordingUs, saccadeOffset, saccadeSchedule } from '../../../engine/data/saccades';

describe('the saccade path', () => {
  it('is an isosceles triangle: lower left, apex up, lower right, back, 100 ms a side, at rest at the corners', () => {
    const params = DEFAULT_EMULATION;
    expect(saccadeOffset(0, params)).toEqual([-3, 3]);
    expect(saccadeOffset(100_000, params)).toEqual([0, -3]);
    expect(saccadeOffset(200_000, params)).toEqual([3, 3]);
    expect(saccadeOffset(300_000, params)).toEqual([-3, 3]);
    // Half-way along each side at half-time (the raised cosine is symmetric)…
    expect(saccadeOffset(50_000, params)[0]).toBeCloseTo(-1.5, 12);
    expect(saccadeOffset(250_000, params)[0]).toBeCloseTo(0, 12);
    // …and barely moving near a corner: 1% of the time covers 0.025% of the side.
    expect(saccadeOffset(1_000, params)[0] + 3).toBeCloseTo(3 * (1 - Math.cos(Math.PI / 100)) / 2, 12);
    const side = (a: [number, number], b: [number, number]) => Math.hypot(a[0] - b[0], a[1] - b[1]);
    expect(side([-3, 3], [0, -3])).toBeCloseTo(side([0, -3], [3, 3]), 12);
  });

  it('is sampled every stepPx of the way, at the times the raised cosine gets there', () => {
    const params = { border: 3, saccadeUs: 100_000, stepPx: 0.05 };
    const { t, dx, dy } = saccadeSchedule(params);
    expect(t[0]).toBe(0);
    expect(t[t.length - 1]).toBeCloseTo(recordingUs(params), 6);
    for (let k = 1; k < t.length; k++) {
      expect(t[k]!).toBeGreaterThan(t[k - 1]!);
      expect(Math.hypot(dx[k]! - dx[k - 1]!, dy[k]! - dy[k - 1]!)).toBeLessThanOrEqual(0.05 + 1e-12);
      const [x, y] = saccadeOffset(t[k]!, params);
      expect(x).toBeCloseTo(dx[k]!, 9);
      expect(y).toBeCloseTo(dy[k]!, 9);
    }
  });
});
