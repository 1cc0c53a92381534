/**
 * Prepares the next training batch's input (its images' distortions and intensities) while the
 * current batch trains, on another thread (engine/train/prefetch-node.ts under Node). What it
 * computes depends only on the sample indices and the epoch (augmentations are seeded per sample,
 * engine/augment/seed.ts), so a batch prepared ahead is the batch the training thread would have
 * prepared itself: the RNG stream and every result stay the same.
 */
export interface BatchPrefetcher {
  /** Begin preparing samples `indices[0 … size)` of `epoch` (training distortions on). */
  start(indices: ArrayLike<number>, size: number, epoch: number): void;
  /**
   * The intensities [size, inputs] of the last `start`, waiting for them if needed: a view that
   * stays valid until the next `start` but one.
   */
  finish(): Float32Array;
  dispose(): void;
}
