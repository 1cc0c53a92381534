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
 * holds the intermediate, so nothing is allocated.
 */
export function blurSeparable(field: Float32Array, work: Float32Array, rows: number, cols: number, kernel: Float64Array): void {
  const n = rows * cols;
  if (field.length !== n || work.length !== n) {
    throw new RangeError(`blurSeparable: field and work need ${n} elements (rows·cols), got ${field.length} and ${work.length}`);
  }
  const r = (kernel.length - 1) / 2;
  for (let y = 0; y < rows; y++) {
    const row = y * cols;
    for (let x = 0; x < cols; x++) {
      let s = 0;
      const from = Math.max(0, x - r);
      const to = Math.min(cols - 1, x + r);
      for (let k = from; k <= to; k++) s += kernel[k - x + r]! * field[row + k]!;
      work[row + x] = s;
    }
  }
  for (let y = 0; y < rows; y++) {
    const from = Math.max(0, y - r);
    const to = Math.min(rows - 1, y + r);
    for (let x = 0; x < cols; x++) {
      let s = 0;
      for (let k = from; k <= to; k++) s += kernel[k - y + r]! * work[k * cols + x]!;
      field[y * cols + x] = s;
    }
  }
}
