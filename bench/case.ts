import { createNodeKernels } from '../engine/backend/backends-node';
import { loadMnist } from '../engine/data/mnist-node';
import { GRAD_MODES, SpikingNetwork } from '../engine/model/network';
import { Adam } from '../engine/optim/optimizer';
import { Rng } from '../engine/rng';
import { inferModel } from '../engine/spec/infer';
import { mseRate } from '../engine/train/loss';

export interface CaseSpec {
  backend: 'wasm' | 'tfjs';
  threads?: number;
  steps: number;
  batch: number;
  hidden: number;
  /** Timed batches (after 3 warm-up batches). */
  batches: number;
}

export interface CaseResult {
  backend: string;
  samplesPerSecond: number;
  msPerBatch: number;
  peakMiB: number;
}

/** Time full STBP training steps (encode, forward, loss, backward, Adam) on real MNIST images. */
export async function runCase(c: CaseSpec): Promise<CaseResult> {
  const kernels = await createNodeKernels(c.backend, { threads: c.threads });
  const plan = inferModel({
    neuron: { vth: 1.5, tau: 0.1, surrogate: { name: 'rectangular', width: 1 } },
    layers: [
      { className: 'input', config: { shape: [784] } },
      { className: 'dense', config: { units: c.hidden } },
      { className: 'output', config: { units: 10 } },
    ],
  });
  const net = new SpikingNetwork(plan, kernels, c.steps, c.batch);
  const rng = new Rng(1);
  net.init('paper', rng, 3);
  const optimizer = new Adam(net.params(), 1e-3, kernels);
  const pool = 2000;
  const { train } = await loadMnist({ limitTrain: pool, limitTest: 0 });
  const intensities = new Float32Array(c.batch * 784);
  const labels = new Uint8Array(c.batch);
  const grad = new Float32Array(c.batch * 10);
  const step = (i: number) => {
    for (let b = 0; b < c.batch; b++) {
      const index = (i * c.batch + b) % pool;
      for (let p = 0; p < 784; p++) intensities[b * 784 + p] = train.pixels[index * 784 + p] / 255;
      labels[b] = train.labels[index];
    }
    net.encode(intensities, c.batch, rng);
    const counts = net.forward();
    mseRate.evaluate(counts, labels, c.batch, 10, c.steps, grad);
    net.backward(grad, GRAD_MODES.stbp);
    optimizer.step();
  };
  for (let i = 0; i < 3; i++) step(i);
  const start = performance.now();
  for (let i = 0; i < c.batches; i++) step(3 + i);
  const ms = (performance.now() - start) / c.batches;
  const result = {
    backend: kernels.description,
    samplesPerSecond: (1000 * c.batch) / ms,
    msPerBatch: ms,
    peakMiB: process.resourceUsage().maxRSS / 1024,
  };
  kernels.dispose();
  return result;
}
