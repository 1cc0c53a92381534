import { describe, expect, it } from 'vitest';
import type { Store } from '../../../main/store/db';
import { listMetrics, recordBatchMetrics, recordEpochMetrics } from '../../../main/store/metrics';
import { countRows, newRun, storeWithDataset as withDataset, useTempStores } from './temp-store';
import { engineError as thrown } from '../../helpers/errors';

const temp = useTempStores();
const storeWithDataset = (): Store => withDataset(temp.open());

describe('metrics', () => {
  it('replayed batches overwrite the earlier rows, never duplicate them', () => {
    const store = storeWithDataset();
    const id = newRun(store);
    const batches = (from: number, to: number, loss: number) =>
      Array.from({ length: to - from }, (_, i) => ({ epoch: 0, batch: from + i, step: from + i + 1, values: { loss, accuracy: 0.1 } }));
    recordBatchMetrics(store, id, batches(0, 10, 2.5));
    // Resumed from a checkpoint at batch 5: batches 5..9 run again.
    recordBatchMetrics(store, id, batches(5, 10, 1.5));
    const rows = listMetrics(store, id, 'batch');
    expect(rows.map((r) => r.batch)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(rows.map((r) => r.values.loss)).toEqual([2.5, 2.5, 2.5, 2.5, 2.5, 1.5, 1.5, 1.5, 1.5, 1.5]);
    expect(countRows(store, 'metrics')).toBe(10);
  });

  it('keep epoch rows apart from batch rows, in epoch order', () => {
    const store = storeWithDataset();
    const id = newRun(store);
    const epoch = (e: number) => ({ trainLoss: 1 / (e + 1), trainAccuracy: 0.9, testAccuracy: 0.95, firingRates: [0.12, 0.05], seconds: 3.5 });
    recordEpochMetrics(store, id, { epoch: 1, step: 200, values: epoch(1) });
    recordEpochMetrics(store, id, { epoch: 0, step: 100, values: epoch(0) });
    recordBatchMetrics(store, id, [{ epoch: 0, batch: 3, step: 4, values: { loss: 1 } }]);
    expect(listMetrics(store, id, 'epoch')).toEqual([
      { epoch: 0, batch: 0, step: 100, values: epoch(0) },
      { epoch: 1, batch: 0, step: 200, values: epoch(1) },
    ]);
    expect(listMetrics(store, id, 'batch')).toHaveLength(1);
  });

  it('are written all or nothing', () => {
    const store = storeWithDataset();
    const id = newRun(store);
    const rows = [
      { epoch: 0, batch: 0, step: 1, values: { loss: 1 } },
      { epoch: 0, batch: 1.5, step: 2, values: { loss: 1 } },
    ];
    expect(thrown(() => recordBatchMetrics(store, id, rows)).message).toBe('recordBatchMetrics: rows[1].batch is 1.5; allowed: an integer >= 0');
    expect(thrown(() => recordBatchMetrics(store, 77, rows.slice(0, 1))).code).toBe('unknown-run');
    expect(countRows(store, 'metrics')).toBe(0);
  });
});
