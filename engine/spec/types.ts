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

export type LayerSpec =
  | { className: 'input'; config: { shape: number[] } }
  | { className: 'flatten'; config?: Record<string, never> }
  | { className: 'dense'; config: DenseConfig }
  | { className: 'output'; config: DenseConfig };

/** LIF parameters (MATH.md eq. 3–8, 24–27). */
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

/** Paper Table I for MNIST: Vth 1.5, tau 0.1, rectangular surrogate with a1 = 1. */
export const DEFAULT_NEURON: NeuronConfig = {
  vth: 1.5,
  tau: 0.1,
  surrogate: { name: 'rectangular', width: 1 },
};
