import { describe, expect, it } from 'vitest';
import {
  bestCheckpoint, CHECKPOINTS_KEPT, latestCheckpoint, listCheckpoints, readCheckpoint, saveCheckpoint, weightsEpoch,
} from '../../../main/store/checkpoints';
import type { Store } from '../../../main/store/db';
import { recordEpochMetrics } from '../../../main/store/metrics';
import { engineError as thrown } from '../../helpers/errors';
import { countRows, newRun, storeWithDataset, useTempStores } from './temp-store';

const temp = useTempStores();
const store = (): Store => storeWithDataset(temp.open());
const bytes = (value: number) => new Uint8Array(8).fill(value);

describe('checkpoints', () => {
  it('keep the latest three per run, with their bytes intact', () => {
    const s = store();
    const id = newRun(s);
    const other = newRun(s);
    saveCheckpoint(s, other, { epoch: 0, batch: 0, reason: 'epoch', state: new Uint8Array([9]) });
    const weights = (epoch: number) => Float32Array.from({ length: 64 }, (_, i) => Math.sin(i + epoch));
    for (let epoch = 1; epoch <= 5; epoch++) {
      const w = weights(epoch);
      saveCheckpoint(s, id, { epoch, batch: 0, reason: 'epoch', state: new Uint8Array(w.buffer) });
    }
    saveCheckpoint(s, id, { epoch: 5, batch: 40, reason: 'pause', state: new Uint8Array(weights(6).buffer, 4, 32) });
    const kept = s.db.prepare('SELECT epoch, batch FROM checkpoints WHERE run_id = ? ORDER BY id').all(id);
    expect(kept).toEqual([
      { epoch: 4, batch: 0 },
      { epoch: 5, batch: 0 },
      { epoch: 5, batch: 40 },
    ]);
    expect(kept).toHaveLength(CHECKPOINTS_KEPT);
    expect(countRows(s, 'checkpoints')).toBe(CHECKPOINTS_KEPT + 1);

    const latest = latestCheckpoint(s, id)!;
    expect(latest).toMatchObject({ epoch: 5, batch: 40, reason: 'pause', best: false, testAccuracy: null });
    expect(latest.state.byteOffset).toBe(0); // its own buffer: viewable as Float32Array
    expect(new Float32Array(latest.state.buffer)).toEqual(weights(6).subarray(1, 9));
    expect(latestCheckpoint(s, newRun(s))).toBeUndefined();
  });

  it('keep the best test accuracy when newer checkpoints are pruned; the earliest wins a tie', () => {
    const s = store();
    const id = newRun(s);
    const accuracies = [0.5, 0.9, 0.7, 0.9, 0.6, 0.8];
    accuracies.forEach((testAccuracy, i) => saveCheckpoint(s, id, { epoch: i + 2, batch: 0, reason: 'epoch', state: bytes(i), testAccuracy }));
    saveCheckpoint(s, id, { epoch: 8, batch: 3, reason: 'stop', state: bytes(99) });
    const kept = listCheckpoints(s, id);
    expect(kept.map((c) => [c.epoch, c.batch, c.best])).toEqual([
      [8, 3, false],
      [7, 0, false],
      [6, 0, false],
      [3, 0, true],
    ]);
    const best = bestCheckpoint(s, id)!;
    expect(best).toMatchObject({ epoch: 3, testAccuracy: 0.9, best: true });
    expect(weightsEpoch(best)).toBe(2);
    expect(readCheckpoint(s, best.id).state).toEqual(bytes(1));
    expect(weightsEpoch(kept[0]!)).toBe(8); // a stop mid-epoch 8 holds epoch 8's weights so far
  });

  it('without stored accuracies (saved before store version 5), find the best from the epoch metrics', () => {
    const s = store();
    const id = newRun(s);
    [0.4, 0.8, 0.6].forEach((testAccuracy, i) => {
      recordEpochMetrics(s, id, { epoch: i + 1, step: i, values: { testAccuracy } });
      saveCheckpoint(s, id, { epoch: i + 2, batch: 0, reason: 'epoch', state: bytes(i) });
    });
    expect(bestCheckpoint(s, id)).toMatchObject({ epoch: 3, testAccuracy: 0.8, best: false });
    expect(bestCheckpoint(s, newRun(s))).toBeUndefined();
  });

  it('refuse an unknown reason, an accuracy outside [0, 1] and an unknown id', () => {
    const s = store();
    expect(thrown(() => saveCheckpoint(s, newRun(s), { epoch: 0, batch: 0, reason: 'crash' as 'stop', state: new Uint8Array(1) })).message).toBe(
      'saveCheckpoint: reason is "crash"; allowed: epoch, pause, stop',
    );
    expect(thrown(() => saveCheckpoint(s, newRun(s), { epoch: 1, batch: 0, reason: 'epoch', state: bytes(1), testAccuracy: 1.5 })).message).toBe(
      'saveCheckpoint: testAccuracy is 1.5; allowed: a number from 0 to 1',
    );
    expect(thrown(() => readCheckpoint(s, 12345)).code).toBe('unknown-checkpoint');
    expect(countRows(s, 'checkpoints')).toBe(0);
  });
});
