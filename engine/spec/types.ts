/**
 * A model spec is plain JSON: the same object is validated here, stored in SQLite, shown in the
 * designer and exported. Each layer is `{ className, config }` (tfjs's getConfig/fromConfig shape).
 */
export interface ModelSpec {
  name?: string;
  /** Defaults for every LIF layer; a layer's own config overrides them. */
  neuron?: Partial<NeuronConfig>;
  layers: LayerSpec[];
}

/**
 * Shapes are [units] for flat layers and [channels, height, width] for images and feature maps;
 * activity is time-major, [T, batch, C, H, W] (docs/math.md), each sample's map stored channel-major.
 */
export type LayerSpec =
  | { className: 'input'; config: { shape: number[] } }
  | { className: 'flatten'; config?: Record<string, never> }
  | { className: 'conv2d'; config: Conv2dConfig }
  | { className: 'avgpool'; config: AvgPoolConfig }
  | { className: 'dense'; config: DenseConfig }
  | { className: 'output'; config: DenseConfig };

/** LIF parameters (docs/math.md eq. 3–8, 24–27). */
export interface NeuronConfig {
  /** Firing threshold Vth, in the units of u (dimensionless). */
  vth: number;
  /** Decay factor tau of eq. 8: the fraction of u kept per step when no spike occurred, in [0, 1). */
  tau: number;
  /** Surrogate derivative h of the spike: name from engine/neuron/surrogates.ts and its width a. */
  surrogate: { name: string; width: number };
}

export interface DenseConfig extends Partial<NeuronConfig> {
  units: number;
  /** Learn a bias b[n] (eq. 3). Default true. */
  bias?: boolean;
}

/**
 * A convolution feeding LIF neurons (the paper's "C" layers): x[t] = W ⊛ o[t, n−1], then the same
 * LIF dynamics as a dense layer, one neuron per output channel and position.
 */
export interface Conv2dConfig extends Partial<NeuronConfig> {
  /** Output channels F; W is [F, C, kernel, kernel]. */
  filters: number;
  /** Square kernel size k. */
  kernel: number;
  /** Step between windows, default 1. */
  stride?: number;
  /** Zeros added on every side, default 0 (a "valid" convolution). */
  padding?: number;
  /** Learn one bias per filter. Default true. */
  bias?: boolean;
}

/**
 * Average pooling (the paper's "P" layers): linear, no neuron. Spikes in, the window's mean out,
 * an analog value in [0, 1] that the next layer takes as its input.
 */
export interface AvgPoolConfig {
  /** Square window size. */
  kernel: number;
  /** Step between windows, default `kernel` (non-overlapping). */
  stride?: number;
}

/** Paper Table I for MNIST: Vth 1.5, tau 0.1, rectangular surrogate with a1 = 1. */
export const DEFAULT_NEURON: NeuronConfig = {
  vth: 1.5,
  tau: 0.1,
  surrogate: { name: 'rectangular', width: 1 },
};
