import { pixelsPerImage, type EventDataset, type ImageDataset } from '../data/dataset';
import { binEvents, parseNmnist, type BinMode } from '../data/nmnist';
import type { Augmenter } from '../augment/augmenter';
import type { ImageShape } from '../augment/types';
import type { Network } from '../model/networks';
import type { Rng } from '../rng';

/**
 * Where a batch's input spikes come from. A source knows its samples and labels and how to turn
 * a batch of them into the network's input spikes (Bernoulli coding for images, binned events
 * for event streams); the trainer knows nothing of either.
 */
export interface SampleSource {
  readonly name: string;
  readonly count: number;
  /** Values per sample that reach the input layer. */
  readonly inputSize: number;
  readonly classCount: number;
  /** One sample's [channels, height, width] as the input layer receives it (channel-major). */
  readonly inputShape: number[];
  label(index: number): number;
  /**
   * Encode samples `indices[0 … size)` into the network's input spikes for one batch; training
   * batches of image sources pass the run's augmentations and the epoch they are drawn for.
   */
  load(net: Network, indices: ArrayLike<number>, size: number, rng: Rng, augment?: Augmentation): void;
}

/** Distort training images before coding: the same sample and epoch give the same bytes (see Augmenter). */
export interface Augmentation {
  augmenter: Augmenter;
  epoch: number;
}

/**
 * Images, Bernoulli rate-coded: pixel byte / 255 is the spike probability at every step. Datasets
 * store pixels row, column, channel; the network takes [channels, height, width], so colour images
 * are reordered into planes (a grey image is the same either way).
 */
export class ImageSource implements SampleSource {
  readonly inputSize: number;
  readonly inputShape: number[];
  private intensities = new Float32Array(0);
  /** One augmented image, row, column, channel like the dataset. */
  private augmented = new Uint8Array(0);

  constructor(readonly ds: ImageDataset) {
    this.inputSize = pixelsPerImage(ds);
    this.inputShape = [ds.channels, ds.rows, ds.cols];
  }

  get name(): string { return this.ds.name; }
  get count(): number { return this.ds.count; }
  get classCount(): number { return this.ds.classCount; }
  label(index: number): number { return this.ds.labels[index]!; }

  load(net: Network, indices: ArrayLike<number>, size: number, rng: Rng, augment?: Augmentation): void {
    this.fill(indices, size, augment);
    net.encode(this.intensities, size, rng);
  }

  /** Intensities in [0, 1] of samples `indices[0 … size)`, [size, inputs] (also for previews), augmented if asked. */
  fill(indices: ArrayLike<number>, size: number, augment?: Augmentation): Float32Array {
    const n = this.inputSize;
    if (this.intensities.length < size * n) this.intensities = new Float32Array(size * n);
    if (augment && this.augmented.length !== n) this.augmented = new Uint8Array(n);
    const pixels = this.ds.pixels;
    imageIntensities(this.ds, (b) => pixels.subarray(indices[b]! * n, (indices[b]! + 1) * n), indices, size, augment, this.intensities, this.augmented);
    return this.intensities.subarray(0, size * n);
  }
}

/**
 * Writes into `out` [size, inputs] the intensities in [0, 1] of `size` images of `shape` (pixel
 * byte / 255, reordered from row, column, channel to channel planes), image b's bytes given by
 * `pixelsOf(b)` and its dataset index by `indices[b]` (which seeds its distortion), distorted
 * first when `augment` is given (`scratch`: one image's bytes). ImageSource.fill and the training
 * process's prefetch thread (engine/train/prefetch-node.ts) both compute batches with it.
 */
export function imageIntensities(
  shape: ImageShape, pixelsOf: (b: number) => Uint8Array, indices: ArrayLike<number>, size: number,
  augment: Augmentation | undefined, out: Float32Array, scratch: Uint8Array,
): void {
  const channels = shape.channels;
  const n = shape.rows * shape.cols * channels;
  const plane = n / channels;
  for (let b = 0; b < size; b++) {
    let pixels = pixelsOf(b);
    if (augment) {
      augment.augmenter.apply(pixels, scratch, shape, augment.epoch, indices[b]!);
      pixels = scratch;
    }
    for (let i = 0; i < n; i++) {
      const c = i % channels;
      out[b * n + c * plane + (i - c) / channels] = pixels[i]! / 255;
    }
  }
}

/** How event streams become T frames (engine/data/nmnist.ts `binEvents`). */
export interface EventBinning {
  mode: BinMode;
  /** Mode 'time' only: bin width in µs (default: the sample's duration / T). */
  dtUs?: number;
}

/**
 * Event streams (N-MNIST), binned into T frames of [2 polarities, h, w]: an input neuron spikes at
 * step t when its pixel saw at least one event of its polarity in bin t. Binning is deterministic,
 * so the RNG is not used.
 */
export class EventSource implements SampleSource {
  readonly inputSize: number;
  readonly inputShape: number[];
  private dense = new Uint8Array(0);
  private frames = new Uint8Array(0);

  constructor(readonly ds: EventDataset, readonly binning: EventBinning) {
    this.inputSize = 2 * ds.width * ds.height;
    this.inputShape = [2, ds.height, ds.width];
  }

  get name(): string { return this.ds.name; }
  get count(): number { return this.ds.count; }
  get classCount(): number { return this.ds.classCount; }
  label(index: number): number { return this.ds.labels[index]!; }

  load(net: Network, indices: ArrayLike<number>, size: number): void {
    net.setInputSpikes(this.spikes(indices, size, net.steps), size);
  }

  /** Dense time-major input spikes [steps·size, inputs] for samples `indices[0 … size)`. */
  spikes(indices: ArrayLike<number>, size: number, steps: number): Uint8Array {
    const n = this.inputSize;
    if (this.dense.length < steps * size * n) this.dense = new Uint8Array(steps * size * n);
    if (this.frames.length !== steps * n) this.frames = new Uint8Array(steps * n);
    const dense = this.dense.subarray(0, steps * size * n);
    for (let b = 0; b < size; b++) {
      const index = indices[b]!;
      const events = parseNmnist(this.ds.samples[index]!, `${this.ds.name} sample ${index}`, this.ds);
      const frames = binEvents(events, { steps, ...this.binning, width: this.ds.width, height: this.ds.height }, this.frames);
      for (let t = 0; t < steps; t++) dense.set(frames.subarray(t * n, (t + 1) * n), (t * size + b) * n);
    }
    return dense;
  }
}
