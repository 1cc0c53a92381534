import { checkAugmentations } from '../augment/registry';
import type { AugmentationConfig } from '../augment/types';
import { EngineError, unknownName } from '../errors';
import { INIT_NAMES } from '../model/init';
import { gradMode, type GradModeName } from '../model/network';
import { networkKind, type NetworkKind } from '../model/networks';
import { OPTIMIZER_NAMES } from '../optim/optimizer';
import { lossByName } from './loss';

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
  /**
   * What the spec is trained as: `spiking` (LIF over T steps, STBP) or `twin`, its non-spiking twin
   * (ReLU, one pass on the analog input, plain backprop; `steps` and `grad` then do not apply).
   */
  network: NetworkKind;
  init: 'paper' | 'uniform' | 'glorot';
  /**
   * Multiplies the initial weights (1 = the initialiser as published). Default 3: with eq. 30–31's
   * unit-norm rows, MNIST rate coding never lifts a potential to Vth = 1.5, so nothing fires and
   * no gradient flows (measured: loss fixed at 0.5). The non-spiking twin defaults to 1 (withDefaults).
   */
  initGain: number;
  seed: number;
  /**
   * Distortions of the training images, in order, drawn afresh each epoch (engine/augment): e.g.
   * `[{ name: 'elastic', alpha: 34, sigma: 4 }]`, the paper's preprocessing for Table V. Image
   * datasets only; test images are never distorted. Default none.
   */
  augment?: AugmentationConfig[];
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  epochs: 1, steps: 30, batchSize: 100, optimizer: 'adam', lr: 1e-3, loss: 'mse', grad: 'stbp', network: 'spiking', init: 'paper', initGain: 3, seed: 1,
};

/**
 * Options with the defaults filled in. A twin's initGain defaults to 1: the spiking default lifts
 * potentials to Vth, and the twin has no threshold; its ReLU layers being positively homogeneous,
 * a gain g only multiplies its initial scores by g^L (measured, 10,000 MNIST images, 2 epochs:
 * the 784-800-10 twin reaches 61% test accuracy at gain 3, 93% at gain 1).
 */
export function withDefaults(options: Partial<TrainOptions>): TrainOptions {
  const twin = options.network === 'twin' && options.initGain === undefined;
  return { ...DEFAULT_TRAIN_OPTIONS, ...(twin && { initGain: 1 }), ...options };
}

export interface BatchReport {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
  /** Spikes per neuron per step in each LIF layer, this batch. */
  firingRates: number[];
  samplesPerSecond: number;
  /** This batch's time: its data (waiting for the prefetched batch, or loading it in place) and its step. */
  seconds: number;
  /** The STBP step alone, as the bench times it: spike coding, forward, loss, backward, optimiser. */
  stepSeconds: number;
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

export function checkOptions(o: TrainOptions): void {
  const positiveInt = (name: keyof TrainOptions, max: number) => {
    const v = o[name] as number;
    if (!Number.isInteger(v) || v < 1 || v > max) throw new EngineError('bad-option', `${name} is ${v}; allowed: an integer from 1 to ${max}`);
  };
  positiveInt('epochs', 100000);
  positiveInt('steps', 10000);
  positiveInt('batchSize', 100000);
  if (!(Number.isFinite(o.initGain) && o.initGain > 0)) throw new EngineError('bad-option', `initGain is ${o.initGain}; allowed: a finite number > 0`);
  if (!Number.isInteger(o.seed)) throw new EngineError('bad-option', `seed is ${o.seed}; allowed: an integer`);
  if (!(Number.isFinite(o.lr) && o.lr > 0)) throw new EngineError('bad-option', `lr is ${o.lr}; allowed: a finite number > 0`);
  if (!(OPTIMIZER_NAMES as readonly string[]).includes(o.optimizer)) throw unknownName('optimizer', o.optimizer, OPTIMIZER_NAMES);
  if (!(INIT_NAMES as readonly string[]).includes(o.init)) throw unknownName('initialiser', o.init, INIT_NAMES);
  lossByName(o.loss);
  gradMode(o.grad);
  networkKind(o.network);
  if (o.augment !== undefined) checkAugmentations(o.augment);
}
