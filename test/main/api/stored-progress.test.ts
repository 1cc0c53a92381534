import { describe, expect, it } from 'vitest';
import { epochSize, stopFigures, storedProgress } from '../../../main/api/run-state';
import type { CheckpointInfo } from '../../../main/store/checkpoints';
import type { MetricRow } from '../../../main/store/metrics';

// Where a run is, from its stored rows alone: 12,000 samples in batches of 20 (600 an epoch), 3 epochs.
const size = epochSize(60000, { limit: 12000, batchSize: 20 })!;
const row = (epoch: number, batch: number, samplesPerSecond = 900): MetricRow => ({ epoch, batch, step: (epoch - 1) * 600 + batch, values: { epoch, batch, batches: 600, samplesPerSecond } });
const checkpoint = (epoch: number, batch: number, reason: CheckpointInfo['reason'], testAccuracy: number | null = null): CheckpointInfo => ({
  id: 1, epoch, batch, reason, testAccuracy, best: false, createdAt: '2026-12-04T10:00:00Z',
});

describe('a run\'s progress from the store', () => {
  it('sizes an epoch from the split, the limit and the batch size', () => {
    expect(size).toEqual({ samples: 12000, batches: 600, batchSize: 20 });
    expect(epochSize(undefined, { batchSize: 20 })).toBeUndefined();
  });

  it('puts a paused run where its pause checkpoint is, whatever batch rows remain from before a resume', () => {
    const p = storedProgress('paused', 3, row(1, 400), checkpoint(1, 166, 'pause'), size);
    expect(p).toEqual({ epoch: 1, batch: 166, batches: 600, epochs: 3, samplesPerSecond: 900, samplesSeen: 3320, samplesTotal: 36000 });
  });

  it('reads a checkpoint at an epoch\'s start as the end of the epoch before', () => {
    expect(storedProgress('stopped', 3, row(1, 600), checkpoint(2, 0, 'stop'), size)).toMatchObject({ epoch: 1, batch: 600, samplesSeen: 12000 });
  });

  it('puts a completed, failed or interrupted run at its last recorded batch', () => {
    expect(storedProgress('completed', 3, row(3, 600), checkpoint(4, 0, 'epoch'), size)).toMatchObject({ epoch: 3, batch: 600, samplesSeen: 36000 });
    expect(storedProgress('failed', 3, row(2, 51), checkpoint(2, 0, 'epoch'), size)).toMatchObject({ epoch: 2, batch: 51, samplesSeen: 12000 + 1020 });
  });

  it('is null before the first batch, and at its start with only a dataset known', () => {
    expect(storedProgress('created', 3, undefined, undefined, size)).toBeNull();
    expect(storedProgress('created', 3, undefined, undefined, undefined)).toBeNull();
  });

  it('tells where a stopped run stopped and what its last weights scored', () => {
    const at = storedProgress('stopped', 3, row(1, 166), checkpoint(1, 166, 'stop', 0.912), size);
    expect(stopFigures(at, checkpoint(1, 166, 'stop', 0.912), [])).toEqual({ epoch: 1, batch: 166, batches: 600, testAccuracy: 0.912, evaluatedAtStop: true });
    expect(stopFigures(at, checkpoint(1, 166, 'pause'), [])).toEqual({ epoch: 1, batch: 166, batches: 600, testAccuracy: null, evaluatedAtStop: false });
    const ended = storedProgress('stopped', 3, row(1, 600), checkpoint(2, 0, 'epoch'), size);
    const epochs = [{ step: 600, epoch: 1, trainLoss: 0.2, trainAccuracy: 0.9, testAccuracy: 0.93, firingRates: [], seconds: 3, samplesPerSecond: 4000 }];
    expect(stopFigures(ended, checkpoint(2, 0, 'epoch'), epochs)).toEqual({ epoch: 1, batch: 600, batches: 600, testAccuracy: 0.93, evaluatedAtStop: false });
  });
});
