import type { Kernels } from '../backend/types';
import { EngineError } from '../errors';
import { checkModel, paramsFromTensors, type TrainedModel } from '../export/model';
import type { SampleActivity } from '../model/network';
import { createNetwork, type Network } from '../model/networks';
import type { Rng } from '../rng';
import type { ModelPlan } from '../spec/infer';
import { predict } from '../train/loss';
import type { SampleSource } from '../train/sources';
import { evaluateSource, probeRng } from './evaluate';

/** What a model says about one sample: output spike counts per class (scores for a twin) and the winner. */
export interface Prediction {
  counts: number[];
  /** The class with the most output spikes (the first of a tie, as in training). */
  predicted: number;
}

/** A prediction with the sample's spikes and membrane potentials per layer over the T window. */
export interface Trace extends Prediction {
  /** Null for the non-spiking twin, which has neither. */
  activity: SampleActivity | null;
}

/**
 * A trained model ready to run: its network built on a backend with the model's weights, T and
 * coding. The same code runs in Node and in a browser worker (the WASM kernels load in both), and
 * a model saved from a run predicts exactly what the run's own network did for the same samples,
 * seed and batch size.
 */
export class InferenceModel {
  readonly plan: ModelPlan;
  readonly net: Network;

  constructor(readonly model: TrainedModel, readonly kernels: Kernels, readonly maxBatch = 100) {
    this.plan = checkModel(model);
    this.net = createNetwork(model.network, this.plan, kernels, model.coding.steps, maxBatch);
    const params = paramsFromTensors(this.plan, model.tensors);
    this.net.params().forEach((p, i) => p.value.set(params[i]!));
  }

  get classes(): number {
    return this.plan.classes;
  }

  /** Values per sample the input layer takes ([C, H, W] channel-major for images). */
  get inputSize(): number {
    return this.plan.inputSize;
  }

  /**
   * Predictions for images given as intensities in [0, 1], [count, inputs] channel-major, in
   * batches of `maxBatch`, Bernoulli-coded from `rng`.
   */
  predictIntensities(intensities: Float32Array, count: number, rng: Rng): Prediction[] {
    this.requireImages('predictIntensities');
    const n = this.plan.inputSize;
    if (intensities.length < count * n) {
      throw new EngineError('bad-input', `predictIntensities: ${intensities.length} values for ${count} samples; allowed: ${count} × ${n} (the input layer's size)`);
    }
    const out: Prediction[] = [];
    for (let from = 0; from < count; from += this.maxBatch) {
      const size = Math.min(this.maxBatch, count - from);
      this.net.encode(intensities.subarray(from * n, (from + size) * n), size, rng);
      out.push(...this.predictions(this.net.forward(), size));
    }
    return out;
  }

  /** Predictions for samples `indices[0 … count)` of a source (images coded from `rng`, events binned). */
  predictSource(src: SampleSource, indices: ArrayLike<number>, count: number, rng: Rng): Prediction[] {
    const out: Prediction[] = [];
    const batch = new Uint32Array(this.maxBatch);
    for (let from = 0; from < count; from += this.maxBatch) {
      const size = Math.min(this.maxBatch, count - from);
      for (let b = 0; b < size; b++) batch[b] = indices[from + b]!;
      src.load(this.net, batch, size, rng);
      out.push(...this.predictions(this.net.forward(), size));
    }
    return out;
  }

  /** One image's prediction with every layer's spikes and potentials (the "Try it" view). */
  trace(intensities: Float32Array, seed: number): Trace {
    this.requireImages('trace');
    this.net.encode(intensities.subarray(0, this.plan.inputSize), 1, probeRng(seed));
    const [prediction] = this.predictions(this.net.forward(), 1);
    return { ...prediction!, activity: this.net.activity(0) };
  }

  /** One sample of a source with its activity, coded like `trace`. */
  traceSource(src: SampleSource, index: number, seed: number): Trace {
    src.load(this.net, [index], 1, probeRng(seed));
    const [prediction] = this.predictions(this.net.forward(), 1);
    return { ...prediction!, activity: this.net.activity(0) };
  }

  /**
   * Accuracy on a source, batch by batch like a run's epoch-end test (engine/infer/evaluate.ts):
   * with the run's seed + epoch and batch size it reproduces the run's test accuracy exactly.
   */
  evaluate(src: SampleSource, seed: number, confusion?: Uint32Array): number {
    return evaluateSource(this.net, src, seed, this.maxBatch, confusion);
  }

  private predictions(counts: Float32Array, size: number): Prediction[] {
    const classes = this.plan.classes;
    return Array.from({ length: size }, (_, b) => ({
      counts: Array.from(counts.subarray(b * classes, (b + 1) * classes)),
      predicted: predict(counts, b, classes),
    }));
  }

  private requireImages(method: string): void {
    if (this.model.coding.kind !== 'bernoulli') {
      throw new EngineError('bad-input', `${method}: model ${JSON.stringify(this.model.name)} takes event streams (${this.model.dataset.name}); allowed: samples of an event dataset (predictSource)`);
    }
  }
}
