import type { GradMode } from '../backend/types';
import type { Param } from '../optim/optimizer';
import type { Rng } from '../rng';
import type { LifLayerPlan, ModelPlan } from '../spec/infer';

/** A layer with trainable W and b: a LIF layer, or the affine layer that stands for it in the twin. */
export interface TrainableLayer {
  readonly plan: LifLayerPlan;
  readonly w: Float32Array;
  readonly b: Float32Array;
  readonly dw: Float32Array;
  readonly db: Float32Array;
}

/**
 * What training asks of a model built from a spec, whichever kind it is: the spiking network
 * (engine/model/network.ts) or its non-spiking twin (engine/model/twin.ts). Both take the same
 * plan, hold the same parameter shapes in the same order and initialise them alike.
 */
export interface Network {
  readonly kind: NetworkKind;
  readonly plan: ModelPlan;
  /** Time steps of the input: event sources bin each stream into this many frames. */
  readonly steps: number;
  /** The T the output "counts" of `forward` sum over, which the losses divide by (1 for the twin's scores). */
  readonly countSteps: number;
  /** The trainable layers in order, one per LIF layer of the plan. */
  readonly layers: readonly TrainableLayer[];
  params(): Param[];
  init(name: string, rng: Rng, gain?: number): void;
  /** A batch of intensities [batch, inputs] in [0, 1] as the input. */
  encode(intensities: Float32Array, batch: number, rng: Rng): void;
  /** Dense 0/1 input frames [steps·batch, inputs], time-major (event data). */
  setInputSpikes(dense: ArrayLike<number>, batch: number): void;
  /** Forward pass of the batch; returns the output counts (or scores) [batch, classes]. */
  forward(): Float32Array;
  /** `outGrad` [batch, classes] = ∂L/∂(output per step); fills every layer's dw and db. */
  backward(outGrad: Float32Array, mode: GradMode): void;
  /** Activity per trainable layer over the last forward pass, in [0, 1] (see each kind). */
  firingRates(): number[];
  /** One sample's spikes and potentials over the window; null for a network without either. */
  activity(b?: number): SampleActivity | null;
}

export type NetworkKind = 'spiking' | 'twin';

/** One sample's spikes and potentials over the T window, per layer ([steps, units] each). */
export interface SampleActivity {
  steps: number;
  input: Uint8Array;
  layers: { units: number; vth: number; spikes: Uint8Array; membrane: Float32Array }[];
}
