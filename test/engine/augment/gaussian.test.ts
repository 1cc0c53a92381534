import { describe, it, expect } from 'vitest';
import { blurSeparable, gaussianKernel } from '../../../engine/augment/gaussian';
import { Rng } from '../../../engine/rng';

describe('gaussianKernel', () => {
  it.each([0.5, 1, 2.3, 4, 6])('σ = %s sums to 1, is symmetric and reaches out to ⌈3σ⌉', (sigma) => {
    const k = gaussianKernel(sigma);
    const r = Math.ceil(3 * sigma);
    expect(k.length).toBe(2 * r + 1);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    for (let i = 0; i < r; i++) expect(k[i]).toBe(k[k.length - 1 - i]);
    for (let i = r; i < k.length - 1; i++) expect(k[i]!).toBeGreaterThan(k[i + 1]!);
  });

  it('matches hand-computed values: σ = 1 is exp(−i²/2)/2.50594988 for i = 0…3', () => {
    // 1 + 2·(e^−0.5 + e^−2 + e^−4.5) = 2.5059498788
    const golden = [0.0044330482, 0.0540055826, 0.2420362294, 0.3990502797, 0.2420362294, 0.0540055826, 0.0044330482];
    const k = gaussianKernel(1);
    golden.forEach((g, i) => expect(k[i]).toBeCloseTo(g, 9));
  });

  it('matches hand-computed values: σ = 0.5 has radius 2, weights ∝ 1, e^−2, e^−8', () => {
    const k = gaussianKernel(0.5);
    [0.0002638651, 0.106450772, 0.7865707259, 0.106450772, 0.0002638651].forEach((g, i) => expect(k[i]).toBeCloseTo(g, 9));
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('rejects σ = %s', (sigma) => {
    expect(() => gaussianKernel(sigma)).toThrow(`gaussianKernel: sigma is ${sigma}; allowed: a finite number > 0`);
  });
});

/** The blur as its definition: one output at a time, taps in increasing order, f64 sums. */
function blurReference(field: Float32Array, rows: number, cols: number, kernel: Float64Array): Float32Array {
  const r = (kernel.length - 1) / 2;
  const work = new Float32Array(rows * cols);
  const out = new Float32Array(rows * cols);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      let s = 0;
      for (let k = Math.max(0, x - r); k <= Math.min(cols - 1, x + r); k++) s += kernel[k - x + r]! * field[y * cols + k]!;
      work[y * cols + x] = s;
    }
  }
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      let s = 0;
      for (let k = Math.max(0, y - r); k <= Math.min(rows - 1, y + r); k++) s += kernel[k - y + r]! * work[k * cols + x]!;
      out[y * cols + x] = s;
    }
  }
  return out;
}

describe('blurSeparable', () => {
  it.each([[28, 28, 4], [7, 10, 1.5], [5, 3, 2], [1, 9, 0.5]])('is bit-identical to the definition on a random %i×%i field, σ = %s', (rows, cols, sigma) => {
    const rng = new Rng(rows * cols);
    const field = Float32Array.from({ length: rows * cols }, () => 2 * rng.uniform() - 1);
    const want = blurReference(field, rows, cols, gaussianKernel(sigma));
    blurSeparable(field, new Float32Array(rows * cols), rows, cols, gaussianKernel(sigma));
    expect(Array.from(field)).toEqual(Array.from(want));
  });

  it('spreads an impulse into the outer product of the kernel', () => {
    const n = 9;
    const field = new Float32Array(n * n);
    field[4 * n + 4] = 1;
    const k = gaussianKernel(1);
    blurSeparable(field, new Float32Array(n * n), n, n, k);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const dy = y - 4;
        const dx = x - 4;
        const expected = Math.abs(dx) <= 3 && Math.abs(dy) <= 3 ? k[dy + 3]! * k[dx + 3]! : 0;
        expect(field[y * n + x]).toBeCloseTo(expected, 7);
      }
    }
  });

  it('reads 0 outside: a field of ones keeps 1 inside and drops to the in-range taps at the corner', () => {
    const n = 8;
    const field = new Float32Array(n * n).fill(1);
    blurSeparable(field, new Float32Array(n * n), n, n, gaussianKernel(1));
    // Corner: taps 0…3 of one side are in range: 0.3990502797 + 0.2420362294 + 0.0540055826 + 0.0044330482.
    const side = 0.6995251399;
    expect(field[0]).toBeCloseTo(side * side, 6);
    // 3 from every border: all 7 taps in range.
    expect(field[3 * n + 3]).toBeCloseTo(1, 6);
    expect(field[0]).toBe(field[n * n - 1]);
  });

  it('rejects buffers of the wrong size', () => {
    expect(() => blurSeparable(new Float32Array(12), new Float32Array(11), 3, 4, gaussianKernel(1))).toThrow(
      'blurSeparable: field and work need 12 elements (rows·cols), got 12 and 11',
    );
  });
});
