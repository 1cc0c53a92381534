import { EngineError } from '../../../engine/errors';
import { SURROGATES } from '../../../engine/neuron/surrogates';
import { inferModel, LAYER_CLASSES } from '../../../engine/spec/infer';
import type { ModelSpec, NeuronConfig } from '../../../engine/spec/types';
import { LAYER_INFO, type DesignSpec, type LayerConfig } from './layers';
import { toModelSpec } from './layers';

/** What a layer card shows. */
export interface LayerReport {
  outputShape: number[] | null;
  params: number | null;
  /** The error at this layer, without the "layer i (class):" prefix the card already shows. */
  error: string | null;
  /** The config field at fault (`units`, `vth`, `surrogate.width`, …), for the panel to mark. */
  errorField: string | null;
  /** The engine cannot train this layer class yet. */
  unsupported: boolean;
}

export interface SpecReport {
  layers: LayerReport[];
  /** Total parameters when every layer's count is known. */
  params: number | null;
  /** An error about the spec as a whole (too few layers), or the first layer error. */
  error: string | null;
  /** Which layer the error is at (null: the whole spec). */
  errorLayer: number | null;
  /** Engine shape inference checked the whole spec and found no fault. */
  valid: boolean;
  /** Every layer class is one the engine has; false means only the designer's own inference ran. */
  engineChecked: boolean;
  unsupportedClasses: string[];
  classes: number | null;
}

/**
 * Shapes, parameter counts and errors per layer. The engine's `inferModel` is the authority; it
 * stops at the first fault, so the designer's own inference fills in the layers before it, and
 * covers conv2d/avgpool while the engine lacks them (`engineClasses` is `LAYER_CLASSES` at runtime).
 */
export function inspectSpec(design: DesignSpec, engineClasses: readonly string[] = LAYER_CLASSES): SpecReport {
  const spec = toModelSpec(design);
  const local = localInference(spec);
  const unsupportedClasses = [...new Set(design.layers.map((l) => l.className).filter((c) => !engineClasses.includes(c)))];
  const layers: LayerReport[] = local.layers.map((l, i) => ({ ...l, unsupported: unsupportedClasses.includes(design.layers[i]!.className) }));
  const report = (patch: Partial<SpecReport>): SpecReport => {
    const params = layers.every((l) => l.params !== null) && layers.length > 0 ? layers.reduce((s, l) => s + (l.params ?? 0), 0) : null;
    return { layers, params, error: null, errorLayer: null, valid: false, engineChecked: false, unsupportedClasses, classes: null, ...patch };
  };
  if (unsupportedClasses.length > 0) {
    return report({ error: local.error, errorLayer: local.errorLayer });
  }
  try {
    const plan = inferModel(spec);
    plan.shapes.forEach((s) => {
      const layer = layers[s.index];
      if (layer) Object.assign(layer, { outputShape: s.outputShape, params: s.params, error: null, errorField: null });
    });
    return report({ valid: true, engineChecked: true, classes: plan.classes });
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    const at = error.at.layer;
    if (at === undefined || !layers[at]) {
      return report({ engineChecked: true, error: error.message, errorLayer: null });
    }
    layers.forEach((layer, i) => {
      if (i > at) Object.assign(layer, { outputShape: null, params: null, error: null, errorField: null });
    });
    Object.assign(layers[at]!, { outputShape: null, params: null, error: stripWhere(error.message), errorField: error.at.field ?? null });
    return report({ engineChecked: true, error: error.message, errorLayer: at });
  }
}

function stripWhere(message: string): string {
  return message.replace(/^layer \d+ \([^)]*\): /, '');
}

// ---- the designer's own inference (mirrors engine/spec/infer.ts, plus conv2d and avgpool) ------

interface LocalResult {
  layers: Omit<LayerReport, 'unsupported'>[];
  error: string | null;
  errorLayer: number | null;
}

class LayerFault extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

const MAX_UNITS = 1 << 20;

export function localInference(spec: ModelSpec): LocalResult {
  const layers = spec.layers as unknown as { className: string; config?: LayerConfig }[];
  const defaults = spec.neuron as NeuronConfig;
  const out: LocalResult['layers'] = [];
  let shape: number[] | null = [];
  let error: string | null = null;
  let errorLayer: number | null = null;
  layers.forEach((layer, index) => {
    if (shape === null) {
      out.push({ outputShape: null, params: null, error: null, errorField: null });
      return;
    }
    try {
      const [next, params] = step(layer, index, layers.length, shape, defaults);
      shape = next;
      out.push({ outputShape: next, params, error: null, errorField: null });
    } catch (fault) {
      if (!(fault instanceof LayerFault)) throw fault;
      shape = null;
      error ??= `layer ${index} (${layer.className}): ${fault.message}`;
      errorLayer ??= index;
      out.push({ outputShape: null, params: null, error: fault.message, errorField: fault.field });
    }
  });
  if (error === null && layers.length < 2) error = `layers: ${layers.length} layer(s); allowed: an input layer, then at least an output layer`;
  return { layers: out, error, errorLayer };
}

function step(layer: { className: string; config?: LayerConfig }, index: number, count: number, shape: number[], d: NeuronConfig): [number[], number] {
  const c = layer.config ?? {};
  const isFirst = index === 0;
  const isLast = index === count - 1;
  if (!(layer.className in LAYER_INFO)) throw new LayerFault('className', `className is ${JSON.stringify(layer.className)}; allowed: one of ${Object.keys(LAYER_INFO).join(', ')}`);
  if ((layer.className === 'input') !== isFirst) throw new LayerFault('className', isFirst ? 'the first layer must be input' : 'input only as the first layer');
  if ((layer.className === 'output') !== isLast && count > 1) throw new LayerFault('className', isLast ? 'the last layer must be output' : 'output only as the last layer');
  switch (layer.className) {
    case 'input': {
      const s = c.shape;
      if (!Array.isArray(s) || s.length < 1 || s.length > 3 || !s.every((v) => Number.isInteger(v) && v >= 1)) {
        throw new LayerFault('shape', `shape is ${JSON.stringify(s)}; allowed: 1 to 3 positive integers, e.g. [784] or [1, 28, 28]`);
      }
      if (product(s) > MAX_UNITS) throw new LayerFault('shape', `shape is ${JSON.stringify(s)}; allowed: at most ${MAX_UNITS} inputs`);
      return [s.slice(), 0];
    }
    case 'flatten':
      return [[product(shape)], 0];
    case 'dense':
    case 'output': {
      if (shape.length !== 1) throw new LayerFault('input shape', `input shape is [${shape.join(', ')}]; allowed: a flat vector: add a flatten layer before it`);
      const units = c.units;
      if (!isInt(units, 1, MAX_UNITS)) throw new LayerFault('units', `units is ${show(units)}; allowed: an integer from 1 to ${MAX_UNITS}`);
      if (layer.className === 'output' && units < 2) throw new LayerFault('units', `units is ${units}; allowed: at least 2 classes`);
      checkNeuron(c, d);
      return [[units], shape[0]! * units + (c.bias === false ? 0 : units)];
    }
    case 'conv2d': {
      const [channels, height, width] = spatial(shape);
      const filters = c.filters;
      if (!isInt(filters, 1, 4096)) throw new LayerFault('filters', `filters is ${show(filters)}; allowed: an integer from 1 to 4096`);
      const [kh, kw] = pair(c.kernel, 'kernel', 1);
      const [sh, sw] = pair(c.stride ?? 1, 'stride', 1);
      const [ph, pw] = pair(c.padding ?? 0, 'padding', 0);
      const oh = Math.floor((height + 2 * ph - kh) / sh) + 1;
      const ow = Math.floor((width + 2 * pw - kw) / sw) + 1;
      if (oh < 1 || ow < 1) throw new LayerFault('kernel', `kernel ${kh}×${kw} does not fit the ${height}×${width} input (padding ${ph}×${pw})`);
      checkNeuron(c, d);
      return [[filters, oh, ow], filters * channels * kh * kw + (c.bias === false ? 0 : filters)];
    }
    case 'avgpool': {
      const [channels, height, width] = spatial(shape);
      const [kh, kw] = pair(c.kernel, 'kernel', 1);
      const [sh, sw] = pair(c.stride ?? c.kernel, 'stride', 1);
      const oh = Math.floor((height - kh) / sh) + 1;
      const ow = Math.floor((width - kw) / sw) + 1;
      if (oh < 1 || ow < 1) throw new LayerFault('kernel', `kernel ${kh}×${kw} does not fit the ${height}×${width} input`);
      return [[channels, oh, ow], 0];
    }
    default:
      throw new LayerFault('className', `unknown layer class ${layer.className}`);
  }
}

function spatial(shape: number[]): [number, number, number] {
  if (shape.length !== 3) throw new LayerFault('input shape', `input shape is [${shape.join(', ')}]; allowed: [channels, height, width] (give the input layer 3 dimensions)`);
  return [shape[0]!, shape[1]!, shape[2]!];
}

function pair(value: unknown, field: string, min: number): [number, number] {
  const values = Array.isArray(value) ? value : [value, value];
  if (values.length !== 2 || !values.every((v) => isInt(v, min, 1024))) {
    throw new LayerFault(field, `${field} is ${show(value)}; allowed: an integer ≥ ${min} or a pair [h, w]`);
  }
  return [values[0] as number, values[1] as number];
}

function checkNeuron(c: LayerConfig, d: NeuronConfig): void {
  const vth = (c.vth ?? d.vth) as number;
  if (!(Number.isFinite(vth) && vth > 0)) throw new LayerFault('vth', `vth is ${show(vth)}; allowed: a finite threshold > 0`);
  const tau = (c.tau ?? d.tau) as number;
  if (!(Number.isFinite(tau) && tau >= 0 && tau < 1)) throw new LayerFault('tau', `tau is ${show(tau)}; allowed: a decay factor in [0, 1)`);
  const sur = { ...d.surrogate, ...((c.surrogate as object | undefined) ?? {}) } as { name: string; width: number };
  if (!SURROGATES.some((s) => s.name === sur.name)) {
    throw new LayerFault('surrogate.name', `surrogate.name is ${show(sur.name)}; allowed: one of ${SURROGATES.map((s) => s.name).join(', ')}`);
  }
  if (!(Number.isFinite(sur.width) && sur.width > 0)) throw new LayerFault('surrogate.width', `surrogate.width is ${show(sur.width)}; allowed: a finite width > 0`);
}

const isInt = (v: unknown, min: number, max: number): v is number => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const product = (s: number[]): number => s.reduce((a, b) => a * b, 1);
const show = (v: unknown): string => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : JSON.stringify(v) ?? 'empty');
