import { pixelsPerImage, type ImageDataset } from '../data/dataset';
import type { SpikingNetwork } from '../model/network';
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
  label(index: number): number;
  /** Encode samples `indices[0 … size)` into the network's input spikes for one batch. */
  load(net: SpikingNetwork, indices: ArrayLike<number>, size: number, rng: Rng): void;
}

/** Images, Bernoulli rate-coded: pixel byte / 255 is the spike probability at every step. */
export class ImageSource implements SampleSource {
  readonly inputSize: number;
  private intensities = new Float32Array(0);

  constructor(readonly ds: ImageDataset) {
    this.inputSize = pixelsPerImage(ds);
  }

  get name(): string { return this.ds.name; }
  get count(): number { return this.ds.count; }
  get classCount(): number { return this.ds.classCount; }
  label(index: number): number { return this.ds.labels[index]!; }

  load(net: SpikingNetwork, indices: ArrayLike<number>, size: number, rng: Rng): void {
    this.fill(indices, size);
    net.encode(this.intensities, size, rng);
  }

  /** Intensities in [0, 1] of samples `indices[0 … size)`, [size, inputs] (also for previews). */
  fill(indices: ArrayLike<number>, size: number): Float32Array {
    const n = this.inputSize;
    if (this.intensities.length < size * n) this.intensities = new Float32Array(size * n);
    for (let b = 0; b < size; b++) {
      const from = indices[b]! * n;
      for (let i = 0; i < n; i++) this.intensities[b * n + i] = this.ds.pixels[from + i]! / 255;
    }
    return this.intensities.subarray(0, size * n);
  }
}
