import type { ModelSpec, NeuronConfig } from '../../../engine/spec/types';
import { DEFAULT_NEURON } from '../../../engine/spec/types';

/**
 * The designer's layer vocabulary. It is wider than the engine's `LayerSpec` union (conv2d and
 * avgpool may not be in the engine yet), so layers are held as `{className, config}` with a loose
 * config and an id that only the designer uses (Vue keys, selection); the spec JSON never has it.
 */
export const LAYER_KINDS = ['input', 'conv2d', 'avgpool', 'flatten', 'dense', 'output'] as const;
export type LayerClass = (typeof LAYER_KINDS)[number];

export type LayerConfig = Record<string, unknown>;

export interface DesignLayer {
  id: string;
  className: LayerClass;
  config: LayerConfig;
}

export interface DesignSpec {
  name: string;
  neuron: NeuronConfig;
  layers: DesignLayer[];
}

export interface LayerKindInfo {
  className: LayerClass;
  label: string;
  /** One line for the palette. */
  summary: string;
  /** Spiking (LIF) layers take the neuron fields. */
  spiking: boolean;
  defaults(): LayerConfig;
}

export const LAYER_INFO: Record<LayerClass, LayerKindInfo> = {
  input: { className: 'input', label: 'Input', summary: 'Spike-coded sample: [C, H, W] or [n]', spiking: false, defaults: () => ({ shape: [784] }) },
  conv2d: { className: 'conv2d', label: 'Conv-LIF', summary: 'Convolution into LIF neurons', spiking: true, defaults: () => ({ filters: 15, kernel: 5, stride: 1, padding: 0 }) },
  avgpool: { className: 'avgpool', label: 'Avg-Pool', summary: 'Average pooling of spikes', spiking: false, defaults: () => ({ kernel: 2 }) },
  flatten: { className: 'flatten', label: 'Flatten', summary: '[C, H, W] → [C·H·W]', spiking: false, defaults: () => ({}) },
  dense: { className: 'dense', label: 'Dense-LIF', summary: 'Fully connected LIF layer', spiking: true, defaults: () => ({ units: 100 }) },
  output: { className: 'output', label: 'Output', summary: 'LIF read-out, one unit per class', spiking: true, defaults: () => ({ units: 10 }) },
};

export function isLayerClass(name: unknown): name is LayerClass {
  return typeof name === 'string' && (LAYER_KINDS as readonly string[]).includes(name);
}

let counter = 0;
export function newLayerId(): string {
  counter += 1;
  return `l${counter}`;
}

export function newLayer(className: LayerClass): DesignLayer {
  return { id: newLayerId(), className, config: LAYER_INFO[className].defaults() };
}

export function defaultNeuron(): NeuronConfig {
  return { vth: DEFAULT_NEURON.vth, tau: DEFAULT_NEURON.tau, surrogate: { ...DEFAULT_NEURON.surrogate } };
}

/** A spec from the store, a preset or a file, as the designer holds it. Unknown classes are kept as-is by name. */
export function fromModelSpec(spec: ModelSpec): DesignSpec {
  const neuron = defaultNeuron();
  return {
    name: spec.name ?? '',
    neuron: {
      vth: spec.neuron?.vth ?? neuron.vth,
      tau: spec.neuron?.tau ?? neuron.tau,
      surrogate: { ...neuron.surrogate, ...(spec.neuron?.surrogate ?? {}) },
    },
    layers: (spec.layers ?? []).map((layer) => ({
      id: newLayerId(),
      className: layer.className as LayerClass,
      config: jsonCopy((layer as { config?: LayerConfig }).config ?? {}),
    })),
  };
}

/**
 * The spec JSON the engine and the main side take. Layer classes the engine's types do not name
 * yet (conv2d, avgpool) pass through unchanged, hence the cast.
 */
export function toModelSpec(design: DesignSpec): ModelSpec {
  const spec = {
    ...(design.name.trim() ? { name: design.name.trim() } : {}),
    neuron: { vth: design.neuron.vth, tau: design.neuron.tau, surrogate: { ...design.neuron.surrogate } },
    layers: design.layers.map((layer) =>
      layer.className === 'flatten' ? { className: 'flatten' } : { className: layer.className, config: cleanConfig(layer.config) },
    ),
  };
  return spec as unknown as ModelSpec;
}

/** Optional fields left empty in the panel are absent from the JSON, not `undefined`. */
function cleanConfig(config: LayerConfig): LayerConfig {
  const out: LayerConfig = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    out[key] = value && typeof value === 'object' ? jsonCopy(value) : value;
  }
  return out;
}

/**
 * A deep copy of JSON data. Not structuredClone: specs often come out of Pinia state, and a
 * reactive proxy cannot be structured-cloned in browsers.
 */
function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
