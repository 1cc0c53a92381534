import type { Rng } from '../rng';
import { augmentationError } from './check';
import { checkImageBuffers, type Augmentation, type AugmentationKind, type ImageShape, type ShiftConfig } from './types';

/** Largest shift accepted, in pixels. */
export const MAX_SHIFT = 64;

/**
 * Integer translation of a u8 HWC image: dst(x, y) = src(x − dx, y − dy), 0 where that falls
 * outside, so the content moves dx pixels right and dy pixels down. Exact: no resampling.
 */
export function shiftImage(src: Uint8Array, dst: Uint8Array, shape: ImageShape, dx: number, dy: number): void {
  checkImageBuffers('shiftImage', src, dst, shape);
  if (!Number.isInteger(dx) || !Number.isInteger(dy)) throw new RangeError(`shiftImage: dx, dy are ${dx}, ${dy}; allowed: integers`);
  const { rows, cols, channels } = shape;
  dst.fill(0);
  const x0 = Math.max(0, dx);
  const x1 = Math.min(cols, cols + dx); // destination columns [x0, x1) read from inside src
  if (x1 <= x0) return;
  for (let y = Math.max(0, dy); y < Math.min(rows, rows + dy); y++) {
    const from = ((y - dy) * cols + (x0 - dx)) * channels;
    dst.set(src.subarray(from, from + (x1 - x0) * channels), (y * cols + x0) * channels);
  }
}

/** The augmentation: dx and dy each uniform over the integers −max … max, dx drawn first. */
class RandomShift implements Augmentation {
  readonly name = 'shift';

  constructor(readonly config: ShiftConfig) {}

  apply(src: Uint8Array, dst: Uint8Array, shape: ImageShape, rng: Rng): void {
    const span = 2 * this.config.max + 1;
    const dx = Math.floor(rng.uniform() * span) - this.config.max;
    const dy = Math.floor(rng.uniform() * span) - this.config.max;
    shiftImage(src, dst, shape, dx, dy);
  }
}

export const shift: AugmentationKind<ShiftConfig> = {
  name: 'shift',
  fields: ['max'],
  check({ max }) {
    if (!(Number.isInteger(max) && max >= 0 && max <= MAX_SHIFT)) {
      throw augmentationError('shift', 'max', max, `an integer from 0 to ${MAX_SHIFT} (pixels)`);
    }
  },
  create: (config) => new RandomShift({ ...config }),
};
