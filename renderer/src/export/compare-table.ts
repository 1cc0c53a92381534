import { toCsv, type CsvCell } from '../../../engine/export/csv';
import type { EpochPoint, RunSummary } from '../../../main/contract';

/**
 * A compared run's results: from its loaded epochs when there are any, else from its summary. The
 * final test accuracy is a stop's evaluation when the run stopped mid-epoch (`finalAt`).
 */
export interface CompareFigures {
  id: number;
  best: number | null;
  final: number | null;
  finalAt: 'epoch' | 'stop' | null;
  verdict: string | null;
  train: number | null;
  loss: number | null;
  epochs: number;
  seconds: number | null;
}

export function compareFigures(run: RunSummary, epochs: readonly EpochPoint[]): CompareFigures {
  const last = epochs[epochs.length - 1];
  const atStop = run.stop?.evaluatedAtStop ? run.stop.testAccuracy : null;
  const final = atStop ?? (last ? last.testAccuracy : (run.final?.testAccuracy ?? null));
  return {
    id: run.id,
    best: epochs.length > 0 ? Math.max(...epochs.map((e) => e.testAccuracy)) : (run.final?.bestTestAccuracy ?? null),
    final,
    finalAt: final === null ? null : atStop !== null ? 'stop' : 'epoch',
    verdict: run.verdict?.message ?? null,
    train: last ? last.trainAccuracy : (run.final?.trainAccuracy ?? null),
    loss: last ? last.trainLoss : (run.final?.trainLoss ?? null),
    epochs: epochs.length,
    seconds: epochs.reduce((s, e) => s + e.seconds, 0) || (run.final?.seconds ?? null),
  };
}

/** The results rows under the settings, in the table's order; accuracies as fractions, time in seconds. */
const RESULT_ROWS: { label: string; get(f: CompareFigures): CsvCell }[] = [
  { label: 'Best test accuracy', get: (f) => f.best },
  { label: 'Final test accuracy', get: (f) => f.final },
  { label: 'Final test accuracy from', get: (f) => f.finalAt },
  { label: 'Final train accuracy', get: (f) => f.train },
  { label: 'Final train loss', get: (f) => f.loss },
  { label: 'Epochs done', get: (f) => f.epochs },
  { label: 'Training time (s)', get: (f) => f.seconds },
  { label: 'Verdict', get: (f) => f.verdict },
];

/** A settings row of the table (run/settings.ts SETTING_ROWS). */
interface SettingRow {
  label: string;
  get(run: RunSummary): string;
}

/**
 * The Compare table as CSV, as shown: one column per run (headed "name #id"), the setting rows
 * given (all, or only those that differ), then the results.
 */
export function compareTableCsv(runs: readonly RunSummary[], figures: readonly CompareFigures[], rows: readonly SettingRow[]): string {
  return toCsv(
    ['Setting', ...runs.map((run) => `${run.name} #${run.id}`)],
    [
      ...rows.map((row) => [row.label, ...runs.map((run) => row.get(run))]),
      ...RESULT_ROWS.map((row) => [row.label, ...figures.map((f) => row.get(f))]),
    ],
  );
}

/** `compare-runs-3-5.csv` for runs 3 and 5; figures use the same stem. */
export function compareFileStem(runs: readonly Pick<RunSummary, 'id'>[]): string {
  return `compare-runs-${runs.map((r) => r.id).join('-')}`;
}
