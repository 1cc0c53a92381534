import { EngineError } from '../errors';
import { SURROGATES, surrogateByName } from '../neuron/surrogates';
import { DEFAULT_NEURON, type LayerSpec, type ModelSpec, type NeuronConfig } from './types';

/** One trainable LIF layer after validation and shape inference. */
export interface LifLayerPlan {
  /** Index of the layer in spec.layers (for error messages and the designer). */
  index: number;
  kind: 'dense' | 'output';
  inUnits: number;
  units: number;
  bias: boolean;
  vth: number;
  decay: number;
  surrogate: string;
  surrogateId: number;
  width: number;
}

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
  layers: LifLayerPlan[];
  shapes: LayerShape[];
  classes: number;
  params: number;
}

export const LAYER_CLASSES = ['input', 'flatten', 'dense', 'output'] as const;
const MAX_UNITS = 1 << 20;

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
  const plans: LifLayerPlan[] = [];
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
      case 'dense':
      case 'output': {
        if (shape.length !== 1) {
          throw specError(where, 'input shape', `[${shape.join(', ')}]`, 'a flat vector: add a flatten layer before it or give the input shape as [n]');
        }
        const plan = lifLayer(where, index, layer, shape[0], defaults);
        plans.push(plan);
        params = plan.inUnits * plan.units + (plan.bias ? plan.units : 0);
        shape = [plan.units];
        break;
      }
    }
    shapes.push({ index, className: layer.className, outputShape: shape.slice(), params });
  });
  const inShape = shapes[0].outputShape;
  return {
    inputShape: inShape,
    inputSize: product(inShape),
    layers: plans,
    shapes,
    classes: shape[0],
    params: shapes.reduce((s, l) => s + l.params, 0),
  };
}

function lifLayer(where: string, index: number, layer: Extract<LayerSpec, { className: 'dense' | 'output' }>, inUnits: number, d: NeuronConfig): LifLayerPlan {
  const c = layer.config ?? ({} as never);
  if (!Number.isInteger(c.units) || c.units < 1 || c.units > MAX_UNITS) {
    throw specError(where, 'units', c.units, `an integer from 1 to ${MAX_UNITS}`);
  }
  if (layer.className === 'output' && c.units < 2) throw specError(where, 'units', c.units, 'at least 2 classes');
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
    index, kind: layer.className, inUnits, units: c.units, bias: c.bias ?? true,
    vth, decay: tau, surrogate: sur.name, surrogateId: surrogateByName(sur.name).id, width: sur.width,
  };
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
    throw specError(where, 'shape', shape, 'an array of 1 to 3 positive integers, e.g. [784] or [28, 28, 1]');
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
