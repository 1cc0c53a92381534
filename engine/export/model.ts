import { EngineError } from '../errors';
import type { NetworkKind } from '../model/networks';
import { inferModel, type LifLayerPlan, type ModelPlan } from '../spec/infer';
import type { ModelSpec } from '../spec/types';
import type { EventBinning } from '../train/sources';

/**
 * A trained network frozen for use outside training: everything needed to run it on new samples
 * exactly as its run evaluated them (spec, coding, T, weights) and where it came from. The bundle
 * (bundle.ts) stores it whole; NIR (nir.ts) carries the network and its weights.
 */
export interface TrainedModel extends ModelDescription {
  /** One weight tensor and one bias tensor (if learnt) per LIF layer, named by `tensorName`. */
  tensors: ModelTensor[];
}

/** Everything about a model but its weights: plain JSON, the bundle's header and the store's record. */
export interface ModelDescription {
  name: string;
  spec: ModelSpec;
  /** `spiking` (LIF over T steps) or `twin` (the non-spiking ReLU twin). */
  network: NetworkKind;
  coding: InputCoding;
  dataset: ModelDatasetInfo;
  provenance: ModelProvenance;
}

/**
 * How a sample becomes input spikes: images are Bernoulli rate-coded over `steps` (pixel byte / 255
 * is the spike probability at every step); event streams are binned into `steps` frames.
 */
export type InputCoding = { kind: 'bernoulli'; steps: number } | { kind: 'events'; steps: number; binning: EventBinning };

/** What the model was trained on, so new samples can be checked and outputs named. */
export interface ModelDatasetInfo {
  name: string;
  kind: 'image' | 'events';
  /** One sample as the input layer takes it: [channels, height, width] ([2, h, w] for events). */
  sampleShape: number[];
  /** One name per output class, in label order. */
  classNames: string[];
}

export type ModelOrigin = 'trained' | 'bundle' | 'nir';

export interface ModelProvenance {
  /** Trained in this workbench, or imported from a bundle or a NIR file. */
  origin: ModelOrigin;
  /** The run and the epoch whose weights these are (null when imported from NIR, or unknown). */
  runId: number | null;
  epoch: number | null;
  /** Test accuracy of these weights when they were saved, in [0, 1]; null when never evaluated. */
  testAccuracy: number | null;
  /** The run's seed: evaluation codes the test set with it, so predictions repeat exactly. */
  seed: number;
  backend: string | null;
  /** The run's hyper-parameters as stored (optimiser, lr, loss, grad mode, …); null if unknown. */
  settings: Record<string, unknown> | null;
  /** Version of the app that trained or imported it, and when the model was made. */
  appVersion: string;
  createdAt: string;
  /** The file an imported model was read from (its base name). */
  sourceFile?: string;
  /** A NIR import's time step dt in seconds (the LIF constants were read with it). */
  nirDt?: number;
  /** What an import assumed or read differently from the file (e.g. a surrogate NIR does not carry). */
  notes?: string[];
}

/** What evaluating a model the way its run did needs besides the weights, and the accuracy recorded then. */
export type TrainingRecord = Pick<ModelProvenance, 'seed' | 'epoch' | 'testAccuracy' | 'backend' | 'settings'>;

export interface ModelTensor {
  name: string;
  /** Dense: [inUnits, units] (column j feeds neuron j); conv2d: [filters, channels, k, k]; bias: [units] or [filters]. */
  shape: number[];
  data: Float32Array;
}

/** `layers.<spec layer index>.weight` / `.bias`. */
export function tensorName(layer: LifLayerPlan, kind: 'weight' | 'bias'): string {
  return `layers.${layer.index}.${kind}`;
}

/** The shape a LIF layer's weight (or bias) tensor has. */
export function tensorShape(layer: LifLayerPlan, kind: 'weight' | 'bias'): number[] {
  if (kind === 'bias') return [layer.biases];
  const c = layer.conv;
  return c ? [c.outC, c.inC, c.kernel, c.kernel] : [layer.inUnits, layer.units];
}

/**
 * Named tensors from a network's parameters in training order (engine/model/init.ts `layerParams`:
 * weights, then the bias if learnt, layer by layer; the order checkpoints keep them in).
 */
export function tensorsFromParams(plan: ModelPlan, params: readonly Float32Array[]): ModelTensor[] {
  const tensors: ModelTensor[] = [];
  let at = 0;
  for (const layer of plan.layers) {
    for (const kind of layer.bias ? (['weight', 'bias'] as const) : (['weight'] as const)) {
      const data = params[at++];
      const shape = tensorShape(layer, kind);
      if (!data || data.length !== product(shape)) {
        throw new EngineError('bad-model', `${tensorName(layer, kind)}: ${data ? `${data.length} values` : 'missing'}; allowed: ${product(shape)} values (shape [${shape.join(', ')}])`);
      }
      tensors.push({ name: tensorName(layer, kind), shape, data: Float32Array.from(data) });
    }
  }
  if (at !== params.length) throw new EngineError('bad-model', `${params.length} parameter tensors; the spec has ${at}`);
  return tensors;
}

/**
 * The parameters in training order from named tensors, each checked against the spec: a missing,
 * unknown or misshapen tensor, or a non-finite value, is refused by name.
 */
export function paramsFromTensors(plan: ModelPlan, tensors: readonly ModelTensor[]): Float32Array[] {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const params: Float32Array[] = [];
  const expected: string[] = [];
  for (const layer of plan.layers) {
    for (const kind of layer.bias ? (['weight', 'bias'] as const) : (['weight'] as const)) {
      const name = tensorName(layer, kind);
      const shape = tensorShape(layer, kind);
      expected.push(name);
      const t = byName.get(name);
      if (!t) throw new EngineError('bad-model', `tensor ${name} is missing; the spec's layer ${layer.index} (${layer.kind}) needs it with shape [${shape.join(', ')}]`);
      if (t.shape.join() !== shape.join() || t.data.length !== product(shape)) {
        throw new EngineError('bad-model', `tensor ${name} has shape [${t.shape.join(', ')}] (${t.data.length} values); allowed: [${shape.join(', ')}] for layer ${layer.index} (${layer.kind})`);
      }
      const bad = t.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new EngineError('bad-model', `tensor ${name} holds ${t.data[bad]} at element ${bad}; allowed: finite numbers`);
      params.push(t.data);
    }
  }
  const unknown = tensors.filter((t) => !expected.includes(t.name)).map((t) => t.name);
  if (unknown.length) throw new EngineError('bad-model', `unknown tensor(s) ${unknown.join(', ')}; the spec has ${expected.join(', ')}`);
  return params;
}

/** Checks a model as a whole (spec infers, tensors fit it, coding and dataset agree) and returns its plan. */
export function checkModel(model: TrainedModel): ModelPlan {
  const plan = inferModel(model.spec);
  paramsFromTensors(plan, model.tensors);
  const steps = model.coding?.steps;
  if (!Number.isInteger(steps) || steps < 1 || steps > 10000) {
    throw new EngineError('bad-model', `model ${JSON.stringify(model.name)}: coding.steps is ${steps}; allowed: an integer from 1 to 10000`);
  }
  const inputs = product(model.dataset.sampleShape);
  if (inputs !== plan.inputSize) {
    throw new EngineError('bad-model', `model ${JSON.stringify(model.name)}: its samples have shape [${model.dataset.sampleShape.join(', ')}] (${inputs} inputs); the spec's input layer takes ${plan.inputSize}`);
  }
  if (model.dataset.classNames.length > plan.classes) {
    throw new EngineError('bad-model', `model ${JSON.stringify(model.name)}: ${model.dataset.classNames.length} class names for ${plan.classes} output units`);
  }
  return plan;
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
