import { nodeFactories } from '../engine/backend/backends-node';
import { chooseKernels } from '../engine/train/auto-backend';
import { withDefaults } from '../engine/train/options';
import { loadMnist } from '../engine/data/mnist-node';
import { GRAD_MODES, SpikingNetwork } from '../engine/model/network';
import { Adam } from '../engine/optim/optimizer';
import { Rng } from '../engine/rng';
import { inferModel } from '../engine/spec/infer';
import type { ModelSpec } from '../engine/spec/types';
import { mseRate } from '../engine/train/loss';
import { profiled, type ProfileLine } from './profile';

/** One bench case; plain JSON, since the parent passes it to the child process on its command line. */
export interface CaseSpec {
  backend: 'wasm' | 'tfjs' | 'auto';
  /** WASM threads; the backend's default (every core, up to 8) when undefined. */
  threads?: number;
  /** The network, 784 inputs (MNIST) and 10 classes; trained from eq. 30–31 weights × `gain`. */
  model: ModelSpec;
  gain: number;
  steps: number;
  batch: number;
  /** Untimed batches first. */
  warmup: number;
  /** Timed batches. */
  batches: number;
  /** Time every kernel call too (bench/profile.ts); the per-batch figure then includes the timers. */
  profile?: boolean;
}

export interface CaseResult {
  backend: string;
  samplesPerSecond: number;
  msPerBatch: number;
  peakMiB: number;
  /** Spikes per neuron per step of each LIF layer in the last timed batch. */
  firingRates: number[];
  /** With `profile`: ms per batch of each kernel call site, largest first, and the rest as 'other'. */
  profile?: ProfileLine[];
}

/** Time full STBP training steps (encode, forward, loss, backward, Adam) on real MNIST images. */
export async function runCase(c: CaseSpec): Promise<CaseResult> {
  // `auto` as a run resolves it: timing this network on each backend (engine/train/auto-backend.ts).
  const chosen = await chooseKernels(c.backend, nodeFactories({ threads: c.threads }), c.model, withDefaults({ steps: c.steps, batchSize: c.batch, initGain: c.gain }));
  const backend = chosen.kernels;
  const timer = c.profile ? profiled(backend) : undefined;
  const kernels = timer?.kernels ?? backend;
  const plan = inferModel(c.model);
  const net = new SpikingNetwork(plan, kernels, c.steps, c.batch);
  const rng = new Rng(1);
  net.init('paper', rng, c.gain);
  const optimizer = new Adam(net.params(), 1e-3, kernels);
  const pool = 2000;
  const { train } = await loadMnist({ limitTrain: pool, limitTest: 0 });
  const size = plan.inputSize;
  const classes = plan.classes;
  const intensities = new Float32Array(c.batch * size);
  const labels = new Uint8Array(c.batch);
  const grad = new Float32Array(c.batch * classes);
  const step = (i: number) => {
    for (let b = 0; b < c.batch; b++) {
      const index = (i * c.batch + b) % pool;
      for (let p = 0; p < size; p++) intensities[b * size + p] = train.pixels[index * size + p] / 255;
      labels[b] = train.labels[index];
    }
    net.encode(intensities, c.batch, rng);
    const counts = net.forward();
    mseRate.evaluate(counts, labels, c.batch, classes, c.steps, grad);
    net.backward(grad, GRAD_MODES.stbp);
    optimizer.step();
  };
  for (let i = 0; i < c.warmup; i++) step(i);
  timer?.reset();
  const start = performance.now();
  for (let i = 0; i < c.batches; i++) step(c.warmup + i);
  const ms = (performance.now() - start) / c.batches;
  const result = {
    backend: chosen.description,
    samplesPerSecond: (1000 * c.batch) / ms,
    msPerBatch: ms,
    peakMiB: process.resourceUsage().maxRSS / 1024,
    firingRates: net.firingRates(),
    profile: timer && perBatch(timer.lines(), ms, c.batches),
  };
  kernels.dispose();
  return result;
}

/** Kernel times per batch, largest first, and what the kernels do not account for as 'other'. */
function perBatch(lines: ProfileLine[], msPerBatch: number, batches: number): ProfileLine[] {
  const sorted = lines.map((l) => ({ site: l.site, ms: l.ms / batches, calls: l.calls / batches })).sort((a, b) => b.ms - a.ms);
  const inKernels = sorted.reduce((s, l) => s + l.ms, 0);
  return [...sorted, { site: 'other (coding preparation, loss, bias spread, JS glue)', ms: msPerBatch - inKernels, calls: 1 }];
}
