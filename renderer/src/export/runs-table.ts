import { toCsv } from '../../../engine/export/csv';
import type { RunSummary } from '../../../main/contract';
import { describeLayers } from '../run/settings';
import { lastTestAccuracy } from '../run/state';

/**
 * The runs list as CSV, in the order given (the list as shown): what each row shows, with numbers
 * as numbers (accuracies as fractions in [0, 1]) and the times as ISO 8601 for other tools. The
 * backend is the one that ran (empty before a run starts). Where a run is (epoch, batch of batches,
 * samples seen) is there for every run; the last test accuracy is a stop's evaluation when the run
 * was stopped mid-epoch (`last_test_at` says which).
 */
export function runsTableCsv(runs: readonly RunSummary[]): string {
  return toCsv(
    [
      'id', 'name', 'status', 'verdict', 'dataset', 'network', 'neurons', 'backend', 'epochs_done', 'epochs',
      'epoch', 'batch', 'batches', 'samples_seen', 'samples_total',
      'best_test_accuracy', 'last_test_accuracy', 'last_test_at', 'last_train_accuracy', 'last_train_loss', 'training_seconds',
      'seed', 'created_at', 'started_at', 'ended_at', 'verdict_message',
    ],
    runs.map((run) => {
      const p = run.progress;
      const last = lastTestAccuracy(run);
      return [
        run.id, run.name, run.status, run.verdict?.kind, run.datasetName, describeLayers(run), run.settings.network === 'twin' ? 'twin' : 'spiking',
        run.backendUsed, run.final?.epochs ?? 0, run.settings.epochs,
        p?.epoch, p?.batch, p?.batches, p?.samplesSeen, p?.samplesTotal,
        run.final?.bestTestAccuracy, last, last === null ? null : run.stop?.evaluatedAtStop ? 'stop' : 'epoch',
        run.final?.trainAccuracy, run.final?.trainLoss, run.final?.seconds,
        run.seed, run.createdAt, run.startedAt, run.endedAt, run.verdict?.message,
      ];
    }),
  );
}

export const RUNS_TABLE_FILE = 'runs.csv';
