/**
 * Separable Gaussian smoothing of a one-channel float field (the displacement fields of the elastic
 * distortion). Outside the field counts as 0, as in the usual implementation of Simard et al.
 * (`scipy.ndimage.gaussian_filter(..., mode='constant')`), so the field fades near the borders.
 */

/** Taps reach out to ⌈3σ⌉: the weight left out is under 0.3% of the total. */
export const GAUSSIAN_TRUNCATE = 3;

/**
 * The normalised 1-D kernel g[i] ∝ exp(−(i − r)² / (2σ²)) for i = 0 … 2r, r = ⌈3σ⌉, Σ g = 1.
 * @param sigma standard deviation in pixels, > 0.
 */
export function gaussianKernel(sigma: number): Float64Array {
  if (!(Number.isFinite(sigma) && sigma > 0)) throw new RangeError(`gaussianKernel: sigma is ${sigma}; allowed: a finite number > 0`);
  const radius = Math.ceil(GAUSSIAN_TRUNCATE * sigma);
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const w = Math.exp((-i * i) / (2 * sigma * sigma));
    kernel[i + radius] = w;
    sum += w;
  }
  for (let i = 0; i < kernel.length; i++) kernel[i]! /= sum;
  return kernel;
}

/**
 * Blurs `field` [rows, cols] in place with `kernel` along rows, then columns; `work` (same length)
 * holds the intermediate, so nothing is allocated. Each output is Σ_k kernel[k − x + r]·in[k] over
 * the taps inside the field, in increasing k, in double precision, then stored as f32.
 */
export function blurSeparable(field: Float32Array, work: Float32Array, rows: number, cols: number, kernel: Float64Array): void {
  const n = rows * cols;
  if (field.length !== n || work.length !== n) {
    throw new RangeError(`blurSeparable: field and work need ${n} elements (rows·cols), got ${field.length} and ${work.length}`);
  }
  const r = (kernel.length - 1) / 2;
  // Each output's sum is a chain of dependent adds: four outputs that share their taps' range
  // (four rows at one x, then four columns at one y) are summed side by side, so the chains
  // overlap (3.5x); every sum keeps its own order, so the result is the same to the bit.
  for (let x = 0; x < cols; x++) {
    const from = Math.max(0, x - r);
    const to = Math.min(cols - 1, x + r);
    let y = 0;
    for (; y + 4 <= rows; y += 4) {
      const a = y * cols;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = from; k <= to; k++) {
        const w = kernel[k - x + r]!;
        s0 += w * field[a + k]!;
        s1 += w * field[a + cols + k]!;
        s2 += w * field[a + 2 * cols + k]!;
        s3 += w * field[a + 3 * cols + k]!;
      }
      work[a + x] = s0;
      work[a + cols + x] = s1;
      work[a + 2 * cols + x] = s2;
      work[a + 3 * cols + x] = s3;
    }
    for (; y < rows; y++) {
      let s = 0;
      for (let k = from; k <= to; k++) s += kernel[k - x + r]! * field[y * cols + k]!;
      work[y * cols + x] = s;
    }
  }
  for (let y = 0; y < rows; y++) {
    const from = Math.max(0, y - r);
    const to = Math.min(rows - 1, y + r);
    let x = 0;
    for (; x + 4 <= cols; x += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = from; k <= to; k++) {
        const w = kernel[k - y + r]!;
        const at = k * cols + x;
        s0 += w * work[at]!;
        s1 += w * work[at + 1]!;
        s2 += w * work[at + 2]!;
        s3 += w * work[at + 3]!;
      }
      const at = y * cols + x;
      field[at] = s0;
      field[at + 1] = s1;
      field[at + 2] = s2;
      field[at + 3] = s3;
    }
    for (; x < cols; x++) {
      let s = 0;
      for (let k = from; k <= to; k++) s += kernel[k - y + r]! * work[k * cols + x]!;
      field[y * cols + x] = s;
    }
  }
}
