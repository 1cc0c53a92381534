import { describe, expect, it } from 'vitest';
import { batchesPerEpoch, epochFraction, runFraction, sampleProgress, samplesPerEpoch } from '../../../engine/train/progress';

describe('run progress in samples', () => {
  it('counts an epoch as the split cut by the limit, in batches the trainer cuts', () => {
    expect(samplesPerEpoch(60000, undefined)).toBe(60000);
    expect(samplesPerEpoch(60000, 12000)).toBe(12000);
    expect(samplesPerEpoch(500, 12000)).toBe(500);
    expect(batchesPerEpoch(12000, 20)).toBe(600);
    expect(batchesPerEpoch(1010, 100)).toBe(11);
  });

  it('says where a run paused after 166 of 600 batches is', () => {
    const p = { epoch: 1, batch: 166, batches: 600, epochs: 3 };
    expect(sampleProgress(p, 12000, 20)).toEqual({ samplesPerEpoch: 12000, samplesSeen: 3320, samplesTotal: 36000 });
    expect(epochFraction(p)).toBeCloseTo(166 / 600, 12);
    expect(runFraction(p)).toBeCloseTo(166 / 1800, 12);
  });

  it('counts the short last batch once, and a finished run whole', () => {
    expect(sampleProgress({ epoch: 2, batch: 11, batches: 11, epochs: 2 }, 1010, 100).samplesSeen).toBe(2020);
    expect(sampleProgress({ epoch: 2, batch: 3, batches: 11, epochs: 2 }, 1010, 100).samplesSeen).toBe(1310);
    expect(runFraction({ epoch: 2, batch: 11, batches: 11, epochs: 2 })).toBe(1);
    expect(runFraction({ epoch: 1, batch: 0, batches: 0, epochs: 2 })).toBe(0);
  });
});
