import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeKernels } from '../../../engine/backend/backends-node';
import type { Kernels } from '../../../engine/backend/types';
import { loadMnist } from '../../../engine/data/mnist-node';
import type { ImageDataset } from '../../../engine/data/dataset';
import { train, type BatchReport, type EpochReport } from '../../../engine/train/trainer';
import type { ModelSpec } from '../../../engine/spec/types';

const mlp = (hidden: number): ModelSpec => ({
  neuron: { vth: 1.5, tau: 0.1, surrogate: { name: 'rectangular', width: 1 } },
  layers: [
    { className: 'input', config: { shape: [784] } },
    { className: 'dense', config: { units: hidden } },
    { className: 'output', config: { units: 10 } },
  ],
});

let kernels: Kernels;
let data: { train: ImageDataset; test: ImageDataset };
beforeAll(async () => {
  kernels = await createNodeKernels('wasm');
  data = await loadMnist({ limitTrain: 10000, limitTest: 1000 });
});
afterAll(() => kernels.dispose());

describe('train on real MNIST', () => {
  it('learns: ≥ 90% test accuracy after 3 epochs on 10,000 images (784-400-10, T = 8)', async () => {
    const epochs: EpochReport[] = [];
    const result = await train(mlp(400), { epochs: 3, steps: 8, batchSize: 100, seed: 1 }, data, kernels, {
      onEpoch: (r) => void epochs.push(r),
    });
    const last = result.epochs[2]!;
    expect(last.testAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(last.trainLoss).toBeLessThan(epochs[0]!.trainLoss);
    expect(result.backend).toMatch(/^wasm-simd/);
    for (const e of epochs) {
      expect(e.firingRates).toHaveLength(2);
      for (const rate of e.firingRates) expect(rate).toBeGreaterThan(0.01);
    }
  });

  it('reports every batch and stops between batches when asked', async () => {
    const small = { train: { ...data.train, count: 1000 }, test: { ...data.test, count: 100 } };
    const batches: BatchReport[] = [];
    const result = await train(mlp(32), { epochs: 5, steps: 4, batchSize: 100 }, small, kernels, {
      onBatch: (r) => void batches.push(r),
      shouldStop: () => batches.length === 3,
    });
    expect(result.stopped).toBe(true);
    expect(batches.map((b) => [b.epoch, b.batch, b.batches])).toEqual([[1, 1, 10], [1, 2, 10], [1, 3, 10]]);
    expect(result.epochs).toHaveLength(1); // the interrupted epoch is still evaluated and reported
    for (const b of batches) expect(Number.isFinite(b.loss)).toBe(true);
  });

  it('rejects data that does not fit the network, naming both sides', async () => {
    await expect(train(mlp(16), { epochs: 1 }, { train: { ...data.train, cols: 27, count: 10 }, test: data.test }, kernels))
      .rejects.toThrow(/dataset mnist-train has 756 inputs per sample; the network's input layer takes 784 \(shape \[784\]\)/);
    const three: ModelSpec = { ...mlp(16), layers: [...mlp(16).layers.slice(0, 2), { className: 'output', config: { units: 3 } }] };
    await expect(train(three, { epochs: 1 }, data, kernels)).rejects.toThrow(/dataset mnist-train has 10 classes; the network's output layer has 3 units/);
    await expect(train(mlp(16), { epochs: 1 }, { train: { ...data.train, count: 0 }, test: data.test }, kernels))
      .rejects.toThrow(/dataset mnist-train has no samples to train on/);
  });

  it.each([
    [{ epochs: 0 }, /epochs is 0; allowed: an integer from 1/],
    [{ steps: 2.5 }, /steps is 2.5; allowed: an integer/],
    [{ lr: -1 }, /lr is -1; allowed: a finite number > 0/],
    [{ optimizer: 'rmsprop' as 'adam' }, /unknown optimizer "rmsprop" \(known: adam, sgd\)/],
    [{ loss: 'hinge' as 'mse' }, /unknown loss "hinge" \(known: mse, ce\)/],
    [{ grad: 'bptt' as 'stbp' }, /unknown gradient mode "bptt" \(known: stbp, sdbp, detach-reset\)/],
    [{ init: 'zeros' as 'paper' }, /unknown initialiser "zeros" \(known: paper, uniform, glorot\)/],
  ])('rejects bad options %j', async (options, message) => {
    await expect(train(mlp(8), options, data, kernels)).rejects.toThrow(message);
  });
});
