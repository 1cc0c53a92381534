/**
 * Where a run is and how it stopped, told from what is stored, for every run and not only those
 * training in this process: a run paused after 166 of 600 batches shows 166 / 600 batches and the
 * samples seen, in the monitor, the runs list and the CLI alike.
 */
import { samplesPerEpoch, sampleProgress, batchesPerEpoch, type RunPosition } from '../../engine/train/progress';
import type { EpochPoint, RunProgress, RunSettings, RunStatus, RunStopFigures } from '../contract';
import type { CheckpointInfo } from '../store/checkpoints';
import type { MetricRow } from '../store/metrics';

/** What an epoch of this run is, in samples and batches; undefined when the dataset is unknown. */
export interface EpochSize {
  samples: number;
  batches: number;
  batchSize: number;
}

export function epochSize(trainCount: number | undefined, settings: Pick<RunSettings, 'limit' | 'batchSize'>): EpochSize | undefined {
  if (trainCount === undefined) return undefined;
  const samples = samplesPerEpoch(trainCount, settings.limit);
  return { samples, batches: batchesPerEpoch(samples, settings.batchSize), batchSize: settings.batchSize };
}

/** A position with its samples seen and the run's total, when the epoch's size is known. */
export function withSamples(p: RunProgress, size: EpochSize | undefined): RunProgress {
  if (!size) return p;
  const { samplesSeen, samplesTotal } = sampleProgress(p, size.samples, size.batchSize);
  return { ...p, samplesSeen, samplesTotal };
}

/**
 * A checkpoint's position as batches done: a checkpoint at an epoch's start (batch 0 of epoch e + 1)
 * is the end of epoch e.
 */
function checkpointPosition(c: CheckpointInfo, batches: number): Pick<RunPosition, 'epoch' | 'batch'> {
  return c.batch === 0 && c.epoch > 1 ? { epoch: c.epoch - 1, batch: batches } : { epoch: c.epoch, batch: c.batch };
}

/**
 * Where a run that is not training here is. A paused or stopped run is where its pause or stop
 * checkpoint says (batch rows past it may remain from before a resume); any other run is at its
 * last recorded batch (a failed run: where it failed), else at its latest checkpoint. Null before
 * the first batch.
 */
export function storedProgress(
  status: RunStatus, epochs: number, last: MetricRow | undefined, checkpoint: CheckpointInfo | undefined, size: EpochSize | undefined,
): RunProgress | null {
  const batches = numberOr(last?.values.batches, size?.batches);
  if (batches === undefined) return null;
  const rate = numberOr(last?.values.samplesPerSecond, 0)!;
  let at: Pick<RunPosition, 'epoch' | 'batch'> | undefined;
  if ((status === 'paused' || status === 'stopped') && checkpoint && checkpoint.reason !== 'epoch') at = checkpointPosition(checkpoint, batches);
  else if (last) at = { epoch: last.epoch, batch: last.batch };
  else if (checkpoint) at = checkpointPosition(checkpoint, batches);
  if (!at) return null;
  return withSamples({ ...at, batches, epochs, samplesPerSecond: last && last.epoch === at.epoch ? rate : 0 }, size);
}

/**
 * A stopped run: where it stopped and what its last weights scored. Evaluated at the stop (its stop
 * checkpoint carries the accuracy), or stopped at an epoch's end (that epoch's test accuracy), or
 * not evaluated (null: stopped before stops were evaluated, or with no checkpoint).
 */
export function stopFigures(progress: RunProgress | null, checkpoint: CheckpointInfo | undefined, epochs: readonly EpochPoint[]): RunStopFigures | null {
  if (!progress) return null;
  const where = { epoch: progress.epoch, batch: progress.batch, batches: progress.batches };
  if (checkpoint?.reason === 'stop' && checkpoint.testAccuracy !== null) return { ...where, testAccuracy: checkpoint.testAccuracy, evaluatedAtStop: true };
  const ended = progress.batch >= progress.batches ? epochs.find((e) => e.epoch === progress.epoch) : undefined;
  return { ...where, testAccuracy: ended?.testAccuracy ?? null, evaluatedAtStop: false };
}

function numberOr(value: unknown, fallback: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
