/**
 * A run's state in words, the same in the monitor, the runs list and Compare: where it is (batches,
 * the fraction of the epoch, samples seen), where a stopped run stopped and what its last weights
 * scored, and whether it learnt.
 */
import { epochFraction, sampleProgress, samplesPerEpoch } from '../../../engine/train/progress';
import type { DatasetSummary, RunProgress, RunStopFigures, RunSummary, RunVerdict } from '../../../main/contract';
import { count, percent } from '../util/format';

/**
 * Samples seen and the total: as the main side sent them, else (a producer that does not know the
 * split, e.g. a PyTorch job's events) from the run's settings and its dataset's size.
 */
export function samplesOf(
  p: RunProgress, run: Pick<RunSummary, 'settings'>, dataset: Pick<DatasetSummary, 'trainCount'> | undefined,
): { seen: number; total: number } | null {
  if (p.samplesSeen !== undefined && p.samplesTotal !== undefined) return { seen: p.samplesSeen, total: p.samplesTotal };
  if (!dataset) return null;
  const s = sampleProgress(p, samplesPerEpoch(dataset.trainCount, run.settings.limit), run.settings.batchSize);
  return { seen: s.samplesSeen, total: s.samplesTotal };
}

/** "epoch 1 / 2 · batch 166 / 600 (28% of the epoch)"; at an epoch's end "epoch 2 / 2 done". */
export function positionText(p: RunProgress): string {
  if (p.batch >= p.batches) return `epoch ${p.epoch} / ${p.epochs} done`;
  return `epoch ${p.epoch} / ${p.epochs} · batch ${count(p.batch)} / ${count(p.batches)} (${Math.floor(epochFraction(p) * 100)}% of the epoch)`;
}

/** "3,320 / 24,000 samples seen". */
export function samplesText(samples: { seen: number; total: number } | null): string {
  return samples ? `${count(samples.seen)} / ${count(samples.total)} samples seen` : '';
}

/** Short, for a table cell: "166/600 of epoch 1", or "2/3 epochs". */
export function progressCell(p: RunProgress): string {
  return p.batch >= p.batches || p.batch === 0 ? `${p.batch >= p.batches ? p.epoch : p.epoch - 1}/${p.epochs} epochs` : `${count(p.batch)}/${count(p.batches)} of epoch ${p.epoch}`;
}

/** "stopped in epoch 3 at batch 166: test accuracy 91.20% (evaluated at the stop)", or that it was not evaluated. */
export function stopText(s: RunStopFigures): string {
  const where = s.batch >= s.batches ? `stopped at the end of epoch ${s.epoch}` : `stopped in epoch ${s.epoch} at batch ${count(s.batch)} of ${count(s.batches)}`;
  if (s.testAccuracy === null) return `${where}: its last weights were not evaluated on the test set`;
  return `${where}: test accuracy ${percent(s.testAccuracy)} (${s.evaluatedAtStop ? 'evaluated at the stop' : `epoch ${s.epoch}'s`})`;
}

/** The test accuracy of a run's last weights: a stop's evaluation when there is one, else the last epoch's. */
export function lastTestAccuracy(run: Pick<RunSummary, 'stop' | 'final'>): number | null {
  if (run.stop?.evaluatedAtStop && run.stop.testAccuracy !== null) return run.stop.testAccuracy;
  return run.final?.testAccuracy ?? null;
}

/** What a verdict's badge says. */
export const VERDICT_LABELS: Record<RunVerdict['kind'], string> = { ok: 'learning', 'not-learning': 'not learning', diverged: 'diverged' };

/** A verdict worth a badge: those that say something went wrong. */
export function isWarning(v: RunVerdict | null | undefined): v is RunVerdict {
  return !!v && v.kind !== 'ok';
}

/**
 * The LIF layers of a spec in order, as probes number them (probe layer 0 is the input, k the k-th
 * LIF layer), named for charts: "1 dense 800", "1 conv 15".
 */
export function lifLayerNames(spec: RunSummary['spec']): string[] {
  const names: string[] = [];
  spec.layers.forEach((layer, i) => {
    const c = (layer as { config?: Record<string, unknown> }).config ?? {};
    if (layer.className === 'dense' || layer.className === 'output') names.push(`${i} ${layer.className} ${String(c.units)}`);
    else if ((layer.className as string) === 'conv2d') names.push(`${i} conv ${String(c.filters)}`);
  });
  return names;
}

/** How many samples a batch of an epoch held: the batch size, but the epoch's last batch only what was left. */
export function batchSizer(batchSize: number, batches: number, samplesPerEpoch: number | undefined): (b: { batch: number }) => number {
  const last = samplesPerEpoch === undefined ? batchSize : samplesPerEpoch - (batches - 1) * batchSize;
  return (b) => (b.batch === batches ? last : batchSize);
}
