/**
 * Where a run is, in samples: the arithmetic the API, the CLI and the monitor share so a paused
 * run's "166 / 600 batches" and "16,600 samples seen" are computed one way everywhere.
 */

/** A run's position: the epoch in progress (1-based) and the batches done in it. */
export interface RunPosition {
  epoch: number;
  /** Batches done in `epoch` (0 … batches). */
  batch: number;
  /** Batches per epoch. */
  batches: number;
  epochs: number;
}

export interface SampleProgress {
  /** Training samples per epoch (the split, cut by the run's limit). */
  samplesPerEpoch: number;
  /** Training samples the network has learnt from so far, over all epochs. */
  samplesSeen: number;
  /** epochs × samplesPerEpoch. */
  samplesTotal: number;
}

/** Training samples an epoch goes through: the split's size, or the run's limit when smaller. */
export function samplesPerEpoch(trainCount: number, limit: number | undefined): number {
  return limit === undefined ? trainCount : Math.min(trainCount, limit);
}

/** Batches an epoch of `samples` takes (the last one may be smaller), as the trainer cuts them. */
export function batchesPerEpoch(samples: number, batchSize: number): number {
  return Math.ceil(samples / batchSize);
}

/**
 * Samples seen at a position: the finished epochs whole, then `batch` batches of the one in
 * progress (the last batch of an epoch holds only what is left).
 */
export function sampleProgress(p: RunPosition, perEpoch: number, batchSize: number): SampleProgress {
  const epochsDone = Math.max(0, Math.min(p.epochs, p.epoch - 1));
  const inEpoch = Math.min(perEpoch, Math.max(0, p.batch) * batchSize);
  return { samplesPerEpoch: perEpoch, samplesSeen: epochsDone * perEpoch + inEpoch, samplesTotal: p.epochs * perEpoch };
}

/** The fraction of the whole run done, 0…1. */
export function runFraction(p: RunPosition): number {
  if (p.epochs <= 0 || p.batches <= 0) return 0;
  return Math.min(1, Math.max(0, ((p.epoch - 1) * p.batches + p.batch) / (p.epochs * p.batches)));
}

/** The fraction of the epoch in progress done, 0…1. */
export function epochFraction(p: RunPosition): number {
  return p.batches > 0 ? Math.min(1, Math.max(0, p.batch / p.batches)) : 0;
}
