import { toCsv } from '../../../engine/export/csv';
import type { RunSummary } from '../../../main/contract';
import { describeLayers } from '../run/settings';

/**
 * The runs list as CSV, in the order given (the list as shown): what each row shows, with numbers
 * as numbers (accuracies as fractions in [0, 1]) and the times as ISO 8601 for other tools. The
 * backend is the one that ran (empty before a run starts).
 */
export function runsTableCsv(runs: readonly RunSummary[]): string {
  return toCsv(
    [
      'id', 'name', 'status', 'dataset', 'network', 'neurons', 'backend', 'epochs_done', 'epochs',
      'best_test_accuracy', 'last_test_accuracy', 'last_train_accuracy', 'last_train_loss', 'training_seconds',
      'seed', 'created_at', 'started_at', 'ended_at',
    ],
    runs.map((run) => [
      run.id, run.name, run.status, run.datasetName, describeLayers(run), run.settings.network === 'twin' ? 'twin' : 'spiking',
      run.backendUsed, run.final?.epochs ?? 0, run.settings.epochs,
      run.final?.bestTestAccuracy, run.final?.testAccuracy, run.final?.trainAccuracy, run.final?.trainLoss, run.final?.seconds,
      run.seed, run.createdAt, run.startedAt, run.endedAt,
    ]),
  );
}

export const RUNS_TABLE_FILE = 'runs.csv';
