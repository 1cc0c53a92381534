import type { Kernels } from '../backend/types';
import { pixelsPerImage, type ImageDataset } from '../data/dataset';
import { EngineError } from '../errors';
import { SpikingNetwork, gradMode, type GradModeName } from '../model/network';
import { createOptimizer } from '../optim/optimizer';
import { Rng } from '../rng';
import { inferModel } from '../spec/infer';
import type { ModelSpec } from '../spec/types';
import { lossByName, predict } from './loss';

/** Hyper-parameters of a run (defaults: the paper's Table I for MNIST, with Adam). */
export interface TrainOptions {
  epochs: number;
  /** Time window T in steps (dt = 1 ms in the paper). */
  steps: number;
  batchSize: number;
  optimizer: 'adam' | 'sgd';
  lr: number;
  loss: 'mse' | 'ce';
  grad: GradModeName;
  init: 'paper' | 'uniform' | 'glorot';
  /**
   * Multiplies the initial weights (1 = the initialiser as published). Default 3: with eq. 30–31's
   * unit-norm rows, MNIST rate coding never lifts a potential to Vth = 1.5, so nothing fires and
   * no gradient flows (measured: loss fixed at 0.5).
   */
  initGain: number;
  seed: number;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  epochs: 1, steps: 30, batchSize: 100, optimizer: 'adam', lr: 1e-3, loss: 'mse', grad: 'stbp', init: 'paper', initGain: 3, seed: 1,
};

export interface BatchReport {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
  samplesPerSecond: number;
}

export interface EpochReport {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** Mean spikes per neuron per step, per LIF layer, over the epoch's training batches. */
  firingRates: number[];
  seconds: number;
  samplesPerSecond: number;
}

export interface TrainCallbacks {
  onBatch?(r: BatchReport): void | Promise<void>;
  onEpoch?(r: EpochReport): void | Promise<void>;
  /** Polled between batches; true ends training after the current batch. */
  shouldStop?(): boolean;
}

export interface TrainResult {
  epochs: EpochReport[];
  stopped: boolean;
  backend: string;
  seconds: number;
  samplesPerSecond: number;
  network: SpikingNetwork;
}

/**
 * Train a spec with STBP: epochs of shuffled mini-batches, Bernoulli-coded, forward over the T
 * window, loss on output spike counts, backward, optimiser step. It knows nothing of processes or
 * storage; callers observe it through callbacks.
 */
export async function train(
  spec: ModelSpec, options: Partial<TrainOptions>, data: { train: ImageDataset; test: ImageDataset },
  kernels: Kernels, callbacks: TrainCallbacks = {},
): Promise<TrainResult> {
  const o = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  checkOptions(o);
  const plan = inferModel(spec);
  for (const ds of [data.train, data.test]) checkData(ds, plan.inputSize, plan.classes);
  if (data.train.count < 1) throw new EngineError('bad-data', `dataset ${data.train.name} has no samples to train on`);
  const loss = lossByName(o.loss);
  const mode = gradMode(o.grad);
  const rng = new Rng(o.seed);
  const net = new SpikingNetwork(plan, kernels, o.steps, o.batchSize);
  net.init(o.init, rng, o.initGain);
  const optimizer = createOptimizer(o.optimizer, net.params(), o.lr, kernels);
  const inputs = plan.inputSize;
  const intensities = new Float32Array(o.batchSize * inputs);
  const labels = new Uint8Array(o.batchSize);
  const outGrad = new Float32Array(o.batchSize * plan.classes);
  const order = Uint32Array.from({ length: data.train.count }, (_, i) => i);
  const batches = Math.ceil(data.train.count / o.batchSize);
  const reports: EpochReport[] = [];
  const started = performance.now();
  let stopped = false;

  for (let epoch = 1; epoch <= o.epochs && !stopped; epoch++) {
    const epochStart = performance.now();
    rng.shuffle(order);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    const rateSums = plan.layers.map(() => 0);
    for (let bi = 0; bi < batches; bi++) {
      const from = bi * o.batchSize;
      const size = Math.min(o.batchSize, data.train.count - from);
      gather(data.train, order, from, size, inputs, intensities, labels);
      net.encode(intensities, size, rng);
      const counts = net.forward();
      const batchLoss = loss.evaluate(counts, labels, size, plan.classes, o.steps, outGrad);
      if (!Number.isFinite(batchLoss)) {
        throw new EngineError('diverged', `training diverged: loss is ${batchLoss} at epoch ${epoch}, batch ${bi + 1}`);
      }
      net.backward(outGrad, mode);
      optimizer.step();
      let batchCorrect = 0;
      for (let b = 0; b < size; b++) if (predict(counts, b, plan.classes) === labels[b]) batchCorrect++;
      net.firingRates().forEach((r, i) => (rateSums[i] += r * size));
      lossSum += batchLoss * size;
      correct += batchCorrect;
      seen += size;
      await callbacks.onBatch?.({
        epoch, batch: bi + 1, batches, loss: batchLoss, accuracy: batchCorrect / size,
        samplesPerSecond: seen / ((performance.now() - epochStart) / 1000),
      });
      if (callbacks.shouldStop?.()) {
        stopped = true;
        break;
      }
    }
    const seconds = (performance.now() - epochStart) / 1000;
    const testAccuracy = evaluate(net, data.test, o.seed + epoch);
    const report: EpochReport = {
      epoch, trainLoss: lossSum / seen, trainAccuracy: correct / seen, testAccuracy,
      firingRates: rateSums.map((s) => s / seen), seconds, samplesPerSecond: seen / seconds,
    };
    reports.push(report);
    await callbacks.onEpoch?.(report);
  }
  const seconds = (performance.now() - started) / 1000;
  const trained = reports.reduce((s, r) => s + r.samplesPerSecond * r.seconds, 0);
  const trainSeconds = reports.reduce((s, r) => s + r.seconds, 0);
  return {
    epochs: reports, stopped, backend: kernels.description, seconds,
    samplesPerSecond: trainSeconds > 0 ? trained / trainSeconds : 0, network: net,
  };
}

/** Test accuracy with a fixed coding stream (seeded per epoch), so it is reproducible. */
export function evaluate(net: SpikingNetwork, ds: ImageDataset, seed: number): number {
  const rng = new Rng(seed ^ 0x5eed);
  const inputs = net.plan.inputSize;
  const intensities = new Float32Array(net.maxBatch * inputs);
  const labels = new Uint8Array(net.maxBatch);
  const order = Uint32Array.from({ length: ds.count }, (_, i) => i);
  let correct = 0;
  for (let from = 0; from < ds.count; from += net.maxBatch) {
    const size = Math.min(net.maxBatch, ds.count - from);
    gather(ds, order, from, size, inputs, intensities, labels);
    net.encode(intensities, size, rng);
    const counts = net.forward();
    for (let b = 0; b < size; b++) if (predict(counts, b, net.plan.classes) === labels[b]) correct++;
  }
  return ds.count > 0 ? correct / ds.count : 0;
}

function gather(
  ds: ImageDataset, order: Uint32Array, from: number, size: number, inputs: number,
  intensities: Float32Array, labels: Uint8Array,
): void {
  for (let b = 0; b < size; b++) {
    const index = order[from + b];
    const pixels = ds.pixels.subarray(index * inputs, (index + 1) * inputs);
    for (let i = 0; i < inputs; i++) intensities[b * inputs + i] = pixels[i] / 255;
    labels[b] = ds.labels[index];
  }
}

function checkOptions(o: TrainOptions): void {
  const positiveInt = (name: keyof TrainOptions, max: number) => {
    const v = o[name] as number;
    if (!Number.isInteger(v) || v < 1 || v > max) throw new EngineError('bad-option', `${name} is ${v}; allowed: an integer from 1 to ${max}`);
  };
  positiveInt('epochs', 100000);
  positiveInt('steps', 10000);
  positiveInt('batchSize', 100000);
  if (!(Number.isFinite(o.initGain) && o.initGain > 0)) throw new EngineError('bad-option', `initGain is ${o.initGain}; allowed: a finite number > 0`);
  if (!Number.isInteger(o.seed)) throw new EngineError('bad-option', `seed is ${o.seed}; allowed: an integer`);
}

function checkData(ds: ImageDataset, inputs: number, classes: number): void {
  if (pixelsPerImage(ds) !== inputs) {
    throw new EngineError('bad-data', `dataset ${ds.name} has ${ds.rows}×${ds.cols}×${ds.channels} = ${pixelsPerImage(ds)} inputs per sample; the network's input layer takes ${inputs}`);
  }
  if (ds.classCount > classes) {
    throw new EngineError('bad-data', `dataset ${ds.name} has ${ds.classCount} classes; the network's output layer has ${classes} units`);
  }
}
