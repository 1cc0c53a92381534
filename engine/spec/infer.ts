import type { ConvGeometry, PoolGeometry } from '../backend/types';
import { EngineError } from '../errors';
import { SURROGATES, surrogateByName } from '../neuron/surrogates';
import { DEFAULT_NEURON, type LayerSpec, type ModelSpec, type NeuronConfig } from './types';

/**
 * What a layer's synapses receive: binary spikes (the coded input or a LIF layer's output, so the
 * event-driven kernels apply) or analog values (a pooling layer's averages).
 */
export type LayerInput = 'spikes' | 'analog';

/** One trainable LIF layer after validation and shape inference. */
export interface LifLayerPlan {
  /** Index of the layer in spec.layers (for error messages and the designer). */
  index: number;
  kind: 'dense' | 'output' | 'conv2d';
  input: LayerInput;
  /** Values per sample in and out ([C, H, W] maps count every channel and position). */
  inUnits: number;
  units: number;
  /** Parameter counts: W ([inUnits, units] dense, [F, C, k, k] conv) and b (units, or F for conv). */
  weights: number;
  biases: number;
  bias: boolean;
  /** conv2d only. */
  conv?: ConvGeometry;
  vth: number;
  decay: number;
  surrogate: string;
  surrogateId: number;
  width: number;
}

/** A pooling layer: linear, no parameters, analog output. */
export interface PoolLayerPlan {
  index: number;
  kind: 'avgpool';
  input: LayerInput;
  inUnits: number;
  units: number;
  pool: PoolGeometry;
}

/** What the network runs, in order; flatten is only a reshape of channel-major maps and not a stage. */
export type StagePlan = LifLayerPlan | PoolLayerPlan;

/** What the designer shows per layer: output shape and parameter count. */
export interface LayerShape {
  index: number;
  className: string;
  outputShape: number[];
  params: number;
}

export interface ModelPlan {
  inputShape: number[];
  inputSize: number;
  /** The LIF layers (firing rates, activity and parameters are reported per LIF layer). */
  layers: LifLayerPlan[];
  stages: StagePlan[];
  shapes: LayerShape[];
  classes: number;
  params: number;
}

export const LAYER_CLASSES = ['input', 'flatten', 'conv2d', 'avgpool', 'dense', 'output'] as const;
const MAX_UNITS = 1 << 20;
const MAX_FILTERS = 4096;
const MAX_KERNEL = 64;

/**
 * Validate a spec and infer every layer's shape. Errors name the layer (index and class), the
 * field, the bad value and what is allowed.
 */
export function inferModel(spec: ModelSpec): ModelPlan {
  if (!spec || !Array.isArray(spec.layers)) throw specError('spec', 'layers', spec?.layers, 'an array of layers');
  const layers = spec.layers;
  if (layers.length < 2) throw specError('spec', 'layers', `${layers.length} layer(s)`, 'an input layer, then at least an output layer');
  const defaults = neuronDefaults(spec.neuron);
  let shape: number[] = [];
  let input: LayerInput = 'spikes';
  const stages: StagePlan[] = [];
  const shapes: LayerShape[] = [];
  layers.forEach((layer, index) => {
    const where = `layer ${index} (${layer?.className ?? '?'})`;
    if (!layer || !(LAYER_CLASSES as readonly string[]).includes(layer.className)) {
      throw specError(`layer ${index}`, 'className', layer?.className, `one of ${LAYER_CLASSES.join(', ')}`);
    }
    if ((layer.className === 'input') !== (index === 0)) {
      throw specError(where, 'className', layer.className, index === 0 ? 'the first layer must be input' : 'input only as the first layer');
    }
    if ((layer.className === 'output') !== (index === layers.length - 1)) {
      throw specError(where, 'className', layer.className, index === layers.length - 1 ? 'the last layer must be output' : 'output only as the last layer');
    }
    let params = 0;
    switch (layer.className) {
      case 'input':
        shape = inputShape(where, layer.config?.shape);
        break;
      case 'flatten':
        shape = [product(shape)];
        break;
      case 'avgpool': {
        const pool = poolGeometry(where, layer.config, mapShape(where, shape));
        stages.push({ index, kind: 'avgpool', input, inUnits: product(shape), units: pool.channels * pool.outH * pool.outW, pool });
        shape = [pool.channels, pool.outH, pool.outW];
        input = 'analog';
        break;
      }
      case 'conv2d':
      case 'dense':
      case 'output': {
        const plan = lifLayer(where, index, layer, shape, input, defaults);
        stages.push(plan);
        params = plan.weights + (plan.bias ? plan.biases : 0);
        shape = plan.conv ? [plan.conv.outC, plan.conv.outH, plan.conv.outW] : [plan.units];
        input = 'spikes';
        break;
      }
    }
    shapes.push({ index, className: layer.className, outputShape: shape.slice(), params });
  });
  const inShape = shapes[0].outputShape;
  return {
    inputShape: inShape,
    inputSize: product(inShape),
    layers: stages.filter((s): s is LifLayerPlan => s.kind !== 'avgpool'),
    stages,
    shapes,
    classes: shape[0],
    params: shapes.reduce((s, l) => s + l.params, 0),
  };
}

type LifLayerSpec = Extract<LayerSpec, { className: 'dense' | 'output' | 'conv2d' }>;

function lifLayer(where: string, index: number, layer: LifLayerSpec, shape: number[], input: LayerInput, d: NeuronConfig): LifLayerPlan {
  const c = (layer.config ?? {}) as Partial<LifLayerSpec['config']>;
  let synapses: Pick<LifLayerPlan, 'inUnits' | 'units' | 'weights' | 'biases' | 'conv'>;
  if (layer.className === 'conv2d') {
    const conv = convGeometry(where, c as Record<string, unknown>, mapShape(where, shape));
    const fanIn = conv.inC * conv.kernel * conv.kernel;
    synapses = {
      inUnits: product(shape), units: conv.outC * conv.outH * conv.outW, weights: conv.outC * fanIn, biases: conv.outC, conv,
    };
  } else {
    if (shape.length !== 1) {
      throw specError(where, 'input shape', `[${shape.join(', ')}]`, 'a flat vector: add a flatten layer before it or give the input shape as [n]');
    }
    const units = (c as { units?: number }).units;
    if (!Number.isInteger(units) || units! < 1 || units! > MAX_UNITS) {
      throw specError(where, 'units', units, `an integer from 1 to ${MAX_UNITS}`);
    }
    if (layer.className === 'output' && units! < 2) throw specError(where, 'units', units, 'at least 2 classes');
    synapses = { inUnits: shape[0], units: units!, weights: shape[0] * units!, biases: units! };
  }
  const vth = c.vth ?? d.vth;
  if (!(Number.isFinite(vth) && vth > 0)) throw specError(where, 'vth', vth, 'a finite threshold > 0');
  const tau = c.tau ?? d.tau;
  if (!(Number.isFinite(tau) && tau >= 0 && tau < 1)) throw specError(where, 'tau', tau, 'a decay factor in [0, 1)');
  const sur = { ...d.surrogate, ...(c.surrogate ?? {}) };
  if (!SURROGATES.some((s) => s.name === sur.name)) {
    throw specError(where, 'surrogate.name', sur.name, `one of ${SURROGATES.map((s) => s.name).join(', ')}`);
  }
  if (!(Number.isFinite(sur.width) && sur.width > 0)) throw specError(where, 'surrogate.width', sur.width, 'a finite width > 0');
  if (c.bias !== undefined && typeof c.bias !== 'boolean') throw specError(where, 'bias', c.bias, 'true or false');
  return {
    index, kind: layer.className, input, ...synapses, bias: c.bias ?? true,
    vth, decay: tau, surrogate: sur.name, surrogateId: surrogateByName(sur.name).id, width: sur.width,
  };
}

/** The [C, H, W] a convolution or pooling layer needs, or an error saying how to give one. */
function mapShape(where: string, shape: number[]): [number, number, number] {
  if (shape.length !== 3) {
    throw specError(where, 'input shape', `[${shape.join(', ')}]`, 'a [channels, height, width] map: give the input shape as [C, H, W], e.g. [1, 28, 28], with no flatten before this layer');
  }
  return shape as [number, number, number];
}

function convGeometry(where: string, c: { filters?: unknown; kernel?: unknown; stride?: unknown; padding?: unknown }, [inC, inH, inW]: [number, number, number]): ConvGeometry {
  const filters = integerIn(where, 'filters', c.filters, 1, MAX_FILTERS);
  const kernel = integerIn(where, 'kernel', c.kernel, 1, MAX_KERNEL);
  const stride = integerIn(where, 'stride', c.stride ?? 1, 1, MAX_KERNEL);
  const pad = integerIn(where, 'padding', c.padding ?? 0, 0, kernel - 1);
  const room = Math.min(inH, inW) + 2 * pad;
  if (kernel > room) {
    throw specError(where, 'kernel', kernel, `at most ${room}: the input map is ${inH}×${inW} with padding ${pad}`);
  }
  const outH = Math.floor((inH + 2 * pad - kernel) / stride) + 1;
  const outW = Math.floor((inW + 2 * pad - kernel) / stride) + 1;
  if (filters * outH * outW > MAX_UNITS) {
    throw specError(where, 'filters', filters, `at most ${Math.floor(MAX_UNITS / (outH * outW))}: ${filters}×${outH}×${outW} neurons exceed ${MAX_UNITS}`);
  }
  return { inC, inH, inW, outC: filters, outH, outW, kernel, stride, pad };
}

function poolGeometry(where: string, c: { kernel?: unknown; stride?: unknown } | undefined, [channels, inH, inW]: [number, number, number]): PoolGeometry {
  const kernel = integerIn(where, 'kernel', c?.kernel, 1, Math.min(inH, inW, MAX_KERNEL));
  const stride = integerIn(where, 'stride', c?.stride ?? kernel, 1, MAX_KERNEL);
  return {
    channels, inH, inW, kernel, stride,
    outH: Math.floor((inH - kernel) / stride) + 1,
    outW: Math.floor((inW - kernel) / stride) + 1,
  };
}

function integerIn(where: string, field: string, value: unknown, lo: number, hi: number): number {
  if (!Number.isInteger(value) || (value as number) < lo || (value as number) > hi) {
    throw specError(where, field, value, `an integer from ${lo} to ${hi}`);
  }
  return value as number;
}

function neuronDefaults(n: ModelSpec['neuron']): NeuronConfig {
  return {
    vth: n?.vth ?? DEFAULT_NEURON.vth,
    tau: n?.tau ?? DEFAULT_NEURON.tau,
    surrogate: { ...DEFAULT_NEURON.surrogate, ...(n?.surrogate ?? {}) },
  };
}

function inputShape(where: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || shape.length < 1 || shape.length > 3 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw specError(where, 'shape', shape, 'an array of 1 to 3 positive integers, e.g. [784] or [1, 28, 28] ([channels, height, width])');
  }
  if (product(shape) > MAX_UNITS) throw specError(where, 'shape', shape, `at most ${MAX_UNITS} inputs`);
  return shape.slice();
}

function product(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function specError(where: string, field: string, value: unknown, allowed: string): EngineError {
  const shown =
    typeof value === 'string' && /layer|\[/.test(value) ? value
    : typeof value === 'number' && !Number.isFinite(value) ? String(value) // JSON says null for NaN
    : JSON.stringify(value);
  const layer = /^layer (\d+)/.exec(where)?.[1]; // every layer's `where` starts so
  return new EngineError('bad-spec', `${where}: ${field} is ${shown}; allowed: ${allowed}`, {
    layer: layer === undefined ? undefined : Number(layer), field,
  });
}
