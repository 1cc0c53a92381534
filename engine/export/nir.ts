import { EngineError } from '../errors';
import type { LifLayerPlan, PoolLayerPlan } from '../spec/infer';
import { checkModel, tensorName, type ModelProvenance, type TrainedModel, type TrainingRecord } from './model';
import { NIR_VERSION, f32, f64, i64, str, transpose, type NirFields, type NirGraph, type NirNode } from './nir-graph';

export { fromNirGraph, type NirImport } from './nir-import';

/**
 * Our models in NIR, the Neuromorphic Intermediate Representation (neuromorphs/NIR, nir/ir/*.py).
 *
 * The LIF neuron. NIR's LIF is τ·dv/dt = (v_leak − v) + r·I, spike z = [v > v_threshold], then
 * v ← v_reset. Forward Euler with step dt gives
 *     v[t] = (1 − dt/τ)·v[t−1] + (dt/τ)·r·I[t],
 * which is our update u[t] = decay·u[t−1]·(1 − o[t−1]) + I[t] (docs/math.md eq. 3–8, I = W·o_in + b)
 * when  τ = dt/(1 − decay),  r = τ/dt = 1/(1 − decay),  v_leak = 0,  v_reset = 0  and
 * v_threshold = Vth. The hard reset is the factor (1 − o[t−1]): u restarts from 0 in the step
 * after a spike, which gives the same spikes as NIR's reset at the spike. Two differences NIR's
 * equations cannot carry are written to the graph's metadata: we fire at u >= Vth where NIR says
 * v > v_threshold (they differ only when u lands exactly on Vth), and the surrogate gradient.
 * dt defaults to 1e-4 s, the step snnTorch's NIR export and import fix (beta = 1 − dt/τ).
 *
 * Layers. dense/output → Affine (weight (out, in): the TRANSPOSE of our [in, out]) or, without a
 * bias, Linear; conv2d → Conv2d (weight (F, C, k, k) as ours, square stride and padding, dilation
 * 1, groups 1, a zero bias when ours learns none, input_shape (H, W)); each followed by a LIF node
 * whose per-neuron arrays have the layer's output shape ([units] or [F, H, W]). avgpool →
 * AvgPool2d (padding 0), flatten → Flatten of the whole per-sample tensor (start_dim 0,
 * end_dim −1, input_type [C, H, W]). Input and Output carry our input shape and the class count.
 */
export const DEFAULT_NIR_DT = 1e-4;

/** How our LIF settings, coding and the rest are described in the graph's metadata. */
export const NIR_SEMANTICS = {
  discretisation: 'forward-euler',
  reset: 'hard, to v_reset, applied the step after the spike',
  threshold: 'a neuron spikes when v >= v_threshold (NIR LIF says v > v_threshold; the two differ only when v equals v_threshold exactly)',
} as const;

export function toNirGraph(model: TrainedModel, opts: { dt?: number } = {}): NirGraph {
  const dt = opts.dt ?? DEFAULT_NIR_DT;
  if (!(Number.isFinite(dt) && dt > 0)) throw new EngineError('bad-option', `NIR dt is ${dt}; allowed: a time step in seconds > 0 (snnTorch uses 1e-4)`);
  if (model.network !== 'spiking') {
    throw new EngineError('bad-model', `model ${JSON.stringify(model.name)} is a ${model.network} network; allowed in NIR: spiking (LIF) networks`);
  }
  const plan = checkModel(model);
  const tensor = (layer: LifLayerPlan, kind: 'weight' | 'bias') => model.tensors.find((t) => t.name === tensorName(layer, kind))!.data;
  const lifByIndex = new Map(plan.layers.map((l) => [l.index, l]));
  const nodes: Record<string, NirNode> = { input: node('Input', { shape: i64(plan.inputShape) }) };
  const chain = ['input'];
  const add = (name: string, n: NirNode) => {
    nodes[name] = n;
    chain.push(name);
  };
  model.spec.layers.forEach((spec, i) => {
    const inShape = i > 0 ? plan.shapes[i - 1]!.outputShape : [];
    const outShape = plan.shapes[i]!.outputShape;
    if (spec.className === 'flatten') {
      add(`layers.${i}.flatten`, node('Flatten', { start_dim: i64(0), end_dim: i64(-1), input_type: i64(inShape) }));
    } else if (spec.className === 'avgpool') {
      const pool = plan.stages.find((s): s is PoolLayerPlan => s.index === i && s.kind === 'avgpool')!;
      const { kernel: k, stride: s } = pool.pool;
      add(`layers.${i}.pool`, node('AvgPool2d', { kernel_size: i64([k, k]), stride: i64([s, s]), padding: i64([0, 0]) }));
    } else if (spec.className !== 'input') {
      const layer = lifByIndex.get(i)!;
      const weight = tensor(layer, 'weight');
      const bias = layer.bias ? tensor(layer, 'bias') : new Float32Array(layer.biases);
      const c = layer.conv;
      if (c) {
        add(`layers.${i}.conv`, node('Conv2d', {
          input_shape: i64([c.inH, c.inW]), weight: f32(weight, [c.outC, c.inC, c.kernel, c.kernel]),
          stride: i64([c.stride, c.stride]), padding: i64([c.pad, c.pad]), dilation: i64([1, 1]), groups: i64(1), bias: f32(bias),
        }));
      } else if (layer.bias) {
        add(`layers.${i}.affine`, node('Affine', { weight: f32(transpose(weight, layer.inUnits, layer.units), [layer.units, layer.inUnits]), bias: f32(bias) }));
      } else {
        add(`layers.${i}.linear`, node('Linear', { weight: f32(transpose(weight, layer.inUnits, layer.units), [layer.units, layer.inUnits]) }));
      }
      add(`layers.${i}.lif`, node('LIF', lifFields(layer, outShape, dt)));
    }
  });
  add('output', node('Output', { shape: i64([plan.classes]) }));
  const edges = chain.slice(1).map((to, k): [string, string] => [chain[k]!, to]);
  return { version: NIR_VERSION, nodes, edges, metadata: graphMetadata(model, dt) };
}

/** τ, r, v_leak, v_threshold, v_reset per neuron, float32 as snnTorch writes them (its import mixes them with float32 tensors). */
function lifFields(layer: LifLayerPlan, shape: number[], dt: number): NirFields {
  const n = layer.units;
  const filled = (v: number) => f32(new Float32Array(n).fill(v), shape.slice());
  return {
    tau: filled(dt / (1 - layer.decay)),
    r: filled(1 / (1 - layer.decay)),
    v_leak: filled(0),
    v_threshold: filled(layer.vth),
    v_reset: filled(0),
  };
}

/**
 * Scalars only (strings, floats, ints): h5py turns a list into an array, cannot store None or a
 * mixed list, and stores a bool as an enum that other readers see as an int; so lists and the spec
 * travel as JSON strings. `stbp_spec` is our spec as it was: the importer uses its exact numbers
 * and surrogates only when they agree with the graph.
 */
function graphMetadata(model: TrainedModel, dt: number): NirFields {
  const meta: NirFields = {
    producer: str(`STBP Workbench ${model.provenance.appVersion}`),
    model_name: str(model.name),
    dt: f64(dt),
    discretisation: str(NIR_SEMANTICS.discretisation),
    reset: str(NIR_SEMANTICS.reset),
    threshold: str(NIR_SEMANTICS.threshold),
    input_coding: str(model.coding.kind),
    steps: i64(model.coding.steps),
    dataset: str(model.dataset.name),
    sample_shape: str(JSON.stringify(model.dataset.sampleShape)),
    class_names: str(JSON.stringify(model.dataset.classNames)),
    stbp_spec: str(JSON.stringify(model.spec)),
    stbp_training: str(JSON.stringify(trainingOf(model.provenance))),
  };
  if (model.coding.kind === 'bernoulli') {
    meta.input_coding_detail = str('Bernoulli rate coding: at each of the steps an input spikes with probability pixel/255');
  } else {
    meta.input_binning = str(JSON.stringify(model.coding.binning));
    meta.input_coding_detail = str('events binned into steps frames ([2, H, W]: ON and OFF polarity)');
  }
  return meta;
}

/**
 * What a run's evaluation needs besides the weights (its seed, epoch and batch size give the same
 * Bernoulli coding), with the accuracy it recorded: a file read back here evaluates exactly as the
 * model it was written from.
 */
function trainingOf(p: ModelProvenance): TrainingRecord {
  return { seed: p.seed, epoch: p.epoch, testAccuracy: p.testAccuracy, backend: p.backend, settings: p.settings };
}

function node(type: string, fields: NirFields): NirNode {
  return { type, fields, metadata: {} };
}
