import { tensorName, tensorShape, type InputCoding, type TrainedModel } from '../../../engine/export/model';
import { Rng } from '../../../engine/rng';
import { inferModel } from '../../../engine/spec/infer';
import type { ModelSpec } from '../../../engine/spec/types';

/** The networks the model file tests run on: each kind of layer, input shape and bias setting. */
export const SPECS: Record<string, ModelSpec> = {
  /** The paper's MLP shape, flat input, no flatten. */
  mlp784: { name: 'mlp-784', layers: [{ className: 'input', config: { shape: [784] } }, { className: 'dense', config: { units: 24 } }, { className: 'output', config: { units: 10 } }] },
  /** N-MNIST style events [2, 34, 34] through a flatten, per-layer neuron settings. */
  mlpEvents: {
    name: 'mlp-events', neuron: { vth: 0.2, tau: 0.2 },
    layers: [
      { className: 'input', config: { shape: [2, 34, 34] } }, { className: 'flatten' },
      { className: 'dense', config: { units: 20, tau: 0.15, surrogate: { name: 'sigmoid', width: 0.5 } } },
      { className: 'output', config: { units: 10, vth: 0.3 } },
    ],
  },
  /** A small CNN: padded conv, pooling, a strided conv without bias, flatten, dense. */
  cnn: {
    name: 'cnn-small', neuron: { vth: 1, tau: 0.3 },
    layers: [
      { className: 'input', config: { shape: [1, 12, 12] } },
      { className: 'conv2d', config: { filters: 3, kernel: 3, padding: 1 } },
      { className: 'avgpool', config: { kernel: 2 } },
      { className: 'conv2d', config: { filters: 4, kernel: 3, stride: 2, bias: false } },
      { className: 'flatten' },
      { className: 'dense', config: { units: 16 } },
      { className: 'output', config: { units: 5 } },
    ],
  },
  /** Dense layers without bias. */
  noBias: {
    name: 'no-bias', layers: [
      { className: 'input', config: { shape: [30] } }, { className: 'dense', config: { units: 8, bias: false } },
      { className: 'output', config: { units: 3, bias: false, tau: 0 } },
    ],
  },
};

/**
 * Random finite float32 bit patterns: every exponent, subnormals and −0 included, so a round trip
 * that is not bit-exact shows.
 */
export function randomFloats(n: number, rng: Rng): Float32Array {
  const bits = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let b: number;
    do b = rng.nextU32(); while (((b >>> 23) & 0xff) === 0xff);
    bits[i] = b;
  }
  return new Float32Array(bits.buffer);
}

/** A model of `spec` with random weights, as a run would freeze it. */
export function randomModel(spec: ModelSpec, seed = 1, coding?: InputCoding): TrainedModel {
  const plan = inferModel(spec);
  const rng = new Rng(seed);
  const tensors = plan.layers.flatMap((layer) => (layer.bias ? (['weight', 'bias'] as const) : (['weight'] as const)).map((kind) => {
    const shape = tensorShape(layer, kind);
    return { name: tensorName(layer, kind), shape, data: randomFloats(shape.reduce((a, b) => a * b, 1), rng) };
  }));
  const events = plan.inputShape[0] === 2 && plan.inputShape.length === 3;
  return {
    name: spec.name ?? 'model', spec, network: 'spiking',
    coding: coding ?? (events ? { kind: 'events', steps: 12, binning: { mode: 'time' } } : { kind: 'bernoulli', steps: 30 }),
    dataset: {
      name: events ? 'nmnist' : 'mnist', kind: events ? 'events' : 'image',
      sampleShape: plan.inputShape.length === 1 && plan.inputSize === 784 ? [1, 28, 28] : plan.inputShape,
      classNames: Array.from({ length: plan.classes }, (_, i) => `class ${i} ✓`),
    },
    provenance: {
      origin: 'trained', runId: 7, epoch: 3, testAccuracy: 0.975, seed, backend: 'wasm',
      settings: { optimizer: 'adam', lr: 0.001 }, appVersion: '0.1.0', createdAt: '2025-01-02T03:04:05.000Z',
    },
    tensors,
  };
}

/**
 * Weights U[−3/√fan-in, 3/√fan-in] and biases U[−0.2, 0.2]: a network that spikes, neither silent
 * nor saturated, for simulations to compare.
 */
export function smallModel(spec: ModelSpec, seed = 1): TrainedModel {
  const model = randomModel(spec, seed);
  const rng = new Rng(seed + 100);
  for (const t of model.tensors) {
    const fanIn = t.shape.length === 2 ? t.shape[0]! : t.shape.slice(1).reduce((a, b) => a * b, 1);
    const limit = t.name.endsWith('.bias') ? 0.2 : 3 / Math.sqrt(fanIn);
    for (let i = 0; i < t.data.length; i++) t.data[i] = (2 * rng.uniform() - 1) * limit;
  }
  return model;
}

/** The float32 bit patterns of a tensor, for comparisons that tell −0 from 0. */
export function bits(data: Float32Array): Uint32Array {
  return new Uint32Array(data.buffer, data.byteOffset, data.length);
}
