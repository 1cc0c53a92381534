import { Rng } from '../rng';
import { checkAugmentations, createAugmentation } from './registry';
import { augmentationSeed, seedRng } from './seed';
import type { Augmentation, AugmentationConfig, ImageShape } from './types';

/**
 * A list of augmentations applied in order, each sample seeded by (run seed, epoch, sample index)
 * (see `augmentationSeed`): the bytes it gives for a sample depend on nothing else. Holds the work
 * buffers, so allocation happens only when the image size changes; one instance per thread.
 */
export class Augmenter {
  readonly configs: readonly AugmentationConfig[];
  private readonly steps: Augmentation[];
  private readonly rng = new Rng(0);
  private readonly state = new Uint32Array(4);
  private between = new Uint8Array(0);

  constructor(configs: readonly AugmentationConfig[], readonly runSeed: number) {
    this.configs = checkAugmentations(configs).map((c) => ({ ...c }));
    this.steps = this.configs.map(createAugmentation);
    augmentationSeed(runSeed, 0, 0); // validates the seed now, not at the first sample
  }

  /** Writes into `dst` the augmented `src` (one image of `shape`); with no augmentations, a copy. */
  apply(src: Uint8Array, dst: Uint8Array, shape: ImageShape, epoch: number, sampleIndex: number): void {
    seedRng(this.rng, augmentationSeed(this.runSeed, epoch, sampleIndex), this.state);
    const n = this.steps.length;
    if (n === 0) {
      dst.set(src);
      return;
    }
    if (n > 1 && this.between.length !== src.length) this.between = new Uint8Array(src.length);
    // Ping-pong so that the last step writes `dst` and no step reads the buffer it writes.
    let input = src;
    for (let i = 0; i < n; i++) {
      const output = (n - 1 - i) % 2 === 0 ? dst : this.between;
      this.steps[i]!.apply(input, output, shape, this.rng);
      input = output;
    }
  }
}
