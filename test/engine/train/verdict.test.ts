import { describe, expect, it } from 'vitest';
import { runVerdict, type VerdictInput } from '../../../engine/train/verdict';

// Figures as runs recorded them: `stbp train --preset mlp-quick --limit 3000 --test-limit 1000
// --epochs 2`, once at the preset's lr 1e-3 and once at lr 50 (Adam), read back from the store.
const layers = (peaks: [number, number]) => [
  { name: 'layer 1 (dense 128)', vth: 1.5, peakPotential: peaks[0] },
  { name: 'layer 2 (output 10)', vth: 1.5, peakPotential: peaks[1] },
];
const uniform1000 = [98, 113, 103, 102, 99, 92, 94, 117, 87, 95];

const normal: VerdictInput = {
  network: 'spiking', classes: 10, testClassCounts: uniform1000, firstBatchLoss: 0.5348,
  epochs: [
    { epoch: 1, trainLoss: 0.4248, testAccuracy: 0.437, firingRates: [0.08, 0.043] },
    { epoch: 2, trainLoss: 0.2765, testAccuracy: 0.624, firingRates: [0.112, 0.072] },
  ],
  layers: layers([3.2, 2.8]),
};
const lr50: VerdictInput = {
  network: 'spiking', classes: 10, testClassCounts: uniform1000, firstBatchLoss: 0.5348,
  epochs: [
    { epoch: 1, trainLoss: 0.8915, testAccuracy: 0.094, firingRates: [0.434, 0.098] },
    { epoch: 2, trainLoss: 0.9043, testAccuracy: 0.094, firingRates: [0.447, 0.1] },
  ],
  layers: layers([25110.55, 11284.99]),
};

describe('runVerdict', () => {
  it('calls a learning run ok', () => {
    expect(runVerdict(normal)).toEqual({ kind: 'ok', message: 'learning: test accuracy 62.4% (chance 10%)' });
  });

  it('calls the lr-50 run diverged, with the accuracy, the potentials and the loss behind it', () => {
    expect(runVerdict(lr50)).toEqual({
      kind: 'diverged',
      message: 'diverged: test accuracy 9.4% (chance 10%), membrane up to 25,111 (Vth 1.5) in layer 1 (dense 128), loss rose from 0.535 to 0.904',
    });
  });

  it('calls a run at chance without blow-up "not learning", naming a silent layer', () => {
    const flat: VerdictInput = {
      ...normal, firstBatchLoss: 0.5,
      epochs: [{ epoch: 1, trainLoss: 0.5, testAccuracy: 0.113, firingRates: [0, 0] }],
      layers: layers([1.2, 0.4]),
    };
    expect(runVerdict(flat)).toEqual({
      kind: 'not-learning',
      message: 'not learning: test accuracy 11.3% (chance 10%) after 1 epoch, layer 1 (dense 128) is silent, layer 2 (output 10) is silent, loss 0.5 → 0.5',
    });
  });

  it('judges chance against the best constant guess, with a margin that grows on small test sets', () => {
    const at = (testAccuracy: number, counts: number[]) => runVerdict({ ...normal, testClassCounts: counts, epochs: [{ ...normal.epochs[0]!, testAccuracy }] })!.kind;
    expect(at(0.16, uniform1000)).toBe('ok'); // 1000 samples: chance ends near 11.3% + 3 σ = 14.3%
    expect(at(0.14, uniform1000)).toBe('not-learning');
    expect(at(0.16, [5, 5, 1, 1, 1, 1, 1, 1, 1, 3])).toBe('not-learning'); // 20 samples: a constant guess scores 25%
    expect(at(0.8, [10, 10])).toBe('not-learning'); // two classes, 20 samples: 50% + 3·√(0.25/20) = 83.5%
    expect(at(0.9, [10, 10])).toBe('ok');
  });

  it('sees a collapse after learning, and says nothing before the first epoch unless potentials blew up', () => {
    const collapsed: VerdictInput = { ...normal, epochs: [normal.epochs[1]!, { ...normal.epochs[1]!, epoch: 3, testAccuracy: 0.3 }] };
    expect(runVerdict(collapsed)).toEqual({ kind: 'diverged', message: 'diverged: test accuracy fell from 62.4% (epoch 2) to 30%' });
    expect(runVerdict({ ...normal, epochs: [] })).toBeNull();
    expect(runVerdict({ ...lr50, epochs: [] })).toEqual({ kind: 'diverged', message: 'diverged: membrane up to 25,111 (Vth 1.5) in layer 1 (dense 128)' });
  });

  it('judges a stopped run by the accuracy of the weights it stopped with', () => {
    expect(runVerdict({ ...normal, stopTestAccuracy: 0.091 })!.kind).toBe('not-learning');
    expect(runVerdict({ ...lr50, stopTestAccuracy: 0.9, layers: layers([2, 2]) })!.kind).toBe('ok');
  });

  it('does not read a twin\'s active fractions as firing rates', () => {
    const twin: VerdictInput = { ...normal, network: 'twin', epochs: [{ ...normal.epochs[0]!, firingRates: [1, 1] }], layers: [] };
    expect(runVerdict(twin)!.kind).toBe('ok');
  });
});
