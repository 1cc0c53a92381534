import { checkImageBuffers, type ImageShape } from './types';

/**
 * Resamples a u8 HWC image through a displacement field, bilinearly:
 *
 *     dst(x, y, c) = src(x + dx[y, x], y + dy[y, x], c)
 *
 * with src read as 0 outside the image and the result rounded half up to a byte. At integer
 * displacements this is an exact copy; at half a pixel it is the mean of the two neighbours.
 * `dx`, `dy` are [rows, cols] in pixels (x along a row, y down the columns); every channel moves alike.
 */
export function warpBilinear(src: Uint8Array, dst: Uint8Array, shape: ImageShape, dx: Float32Array, dy: Float32Array): void {
  checkImageBuffers('warpBilinear', src, dst, shape);
  const { rows, cols, channels } = shape;
  if (dx.length !== rows * cols || dy.length !== rows * cols) {
    throw new RangeError(`warpBilinear: dx and dy need ${rows * cols} elements (rows·cols), got ${dx.length} and ${dy.length}`);
  }
  const stride = cols * channels;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const i = y * cols + x;
      const sx = x + dx[i]!;
      const sy = y + dy[i]!;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      // Weight of each of the four neighbours, 0 for those outside the image.
      const inX0 = x0 >= 0 && x0 < cols;
      const inX1 = x0 + 1 >= 0 && x0 + 1 < cols;
      const inY0 = y0 >= 0 && y0 < rows;
      const inY1 = y0 + 1 >= 0 && y0 + 1 < rows;
      const w00 = inY0 && inX0 ? (1 - fx) * (1 - fy) : 0;
      const w01 = inY0 && inX1 ? fx * (1 - fy) : 0;
      const w10 = inY1 && inX0 ? (1 - fx) * fy : 0;
      const w11 = inY1 && inX1 ? fx * fy : 0;
      const p00 = y0 * stride + x0 * channels;
      const out = i * channels;
      for (let c = 0; c < channels; c++) {
        let v = 0;
        if (w00 !== 0) v += w00 * src[p00 + c]!;
        if (w01 !== 0) v += w01 * src[p00 + channels + c]!;
        if (w10 !== 0) v += w10 * src[p00 + stride + c]!;
        if (w11 !== 0) v += w11 * src[p00 + stride + channels + c]!;
        dst[out + c] = Math.min(255, Math.round(v));
      }
    }
  }
}
