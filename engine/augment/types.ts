import type { Rng } from '../rng';

/** Size of one image, pixels stored row, column, channel (HWC), as in `ImageDataset`. */
export interface ImageShape {
  rows: number;
  cols: number;
  channels: number;
}

/** Elastic distortion (Simard et al. 2003): a smoothed random displacement field, see `elastic.ts`. */
export interface ElasticConfig {
  name: 'elastic';
  /** Scale of the field in pixels (Simard: 34 on MNIST). */
  alpha: number;
  /** Standard deviation of its Gaussian smoothing in pixels (Simard: 4 on MNIST). */
  sigma: number;
}

/** Random integer translation by up to ±`max` pixels on each axis, zero fill, see `shift.ts`. */
export interface ShiftConfig {
  name: 'shift';
  max: number;
}

/** How an augmentation saves as data (run options, SQLite, export). */
export type AugmentationConfig = ElasticConfig | ShiftConfig;

/**
 * One augmentation, made from its config. `apply` writes a randomly transformed copy of the u8 HWC
 * image `src` into `dst` (same length, not the same buffer), drawing only from `rng`, so the same
 * RNG state gives the same bytes. It may keep work buffers between calls, so one instance serves
 * one thread.
 */
export interface Augmentation {
  readonly name: AugmentationConfig['name'];
  readonly config: AugmentationConfig;
  apply(src: Uint8Array, dst: Uint8Array, shape: ImageShape, rng: Rng): void;
}

/** A registry entry: the fields a config has, how to check one, and how to build the augmentation. */
export interface AugmentationKind<C extends AugmentationConfig = AugmentationConfig> {
  readonly name: C['name'];
  /** Every field besides `name`, for the unknown-field error. */
  readonly fields: readonly string[];
  /** Throws an EngineError ('bad-option') naming the field, its bad value and what is allowed. */
  check(config: C): void;
  create(config: C): Augmentation;
}

/** Checks that `src` and `dst` are distinct buffers of exactly one image of `shape`. */
export function checkImageBuffers(what: string, src: Uint8Array, dst: Uint8Array, shape: ImageShape): number {
  const { rows, cols, channels } = shape;
  for (const [key, v] of [['rows', rows], ['cols', cols], ['channels', channels]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${what}: shape ${key} is ${v}; allowed: an integer ≥ 1`);
  }
  const size = rows * cols * channels;
  if (src.length !== size) throw new RangeError(`${what}: src has ${src.length} bytes; allowed: ${size} (rows·cols·channels)`);
  if (dst.length !== size) throw new RangeError(`${what}: dst has ${dst.length} bytes; allowed: ${size} (rows·cols·channels)`);
  if (src.buffer === dst.buffer && src.byteOffset < dst.byteOffset + size && dst.byteOffset < src.byteOffset + size) {
    throw new RangeError(`${what}: src and dst overlap; allowed: separate buffers`);
  }
  return size;
}
