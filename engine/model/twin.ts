import type { Kernels } from '../backend/types';
import { EngineError } from '../errors';
import type { Rng } from '../rng';
import type { LifLayerPlan, ModelPlan } from '../spec/infer';
import type { Param } from '../optim/optimizer';
import { initLayer, layerParams } from './init';
import { PoolLayer, type Activity, type Rows, type Stage } from './layers';
import type { Network } from './types';

/**
 * The non-spiking twin of a spec (the paper's ANN columns of Tables III and VI): the same layers,
 * parameter shapes and initialisation as the spiking network, with each LIF neuron replaced by a
 * ReLU and time taken out. One pass per sample on the analog input x = a[0] (pixel intensities in
 * [0, 1], not Bernoulli spikes):
 *
 *     z[n] = W[n] · a[n−1] + b[n]          (W[n] ⊛ a[n−1] in a conv2d layer, one bias per filter)
 *     a[n] = ReLU(z[n]) = max(0, z[n])     every hidden dense or conv2d layer
 *     s    = z[N]                           the output layer is affine: its scores s stand for the counts
 *
 * and avgpool stays the window mean. The losses read s as the counts of a single step (T = 1):
 * `mse` is L = 1/(2S) Σ_s ||y_s − s_s||² (eq. 9 with the scores in place of the rates), `ce` is
 * softmax cross-entropy of s. Backward is plain backprop, each layer's derivative next to its
 * forward in AffineLayer.
 *
 * `firingRates` reports activation statistics, there being no spikes: per layer, the fraction of
 * its ReLU outputs that are non-zero (for the output layer, the fraction of positive scores).
 */
export class TwinNetwork implements Network {
  readonly kind = 'twin';
  /** The output layer's scores are one step's "counts". */
  readonly countSteps = 1;
  readonly layers: AffineLayer[];
  readonly stages: Stage[];
  /** The analog input a[0], [batch, inputs]. */
  readonly input: Float32Array;
  /** Each stage's output in the last forward pass, kept for the backward pass. */
  private readonly outputs: Activity[] = [];
  private batch = 0;

  /** `steps` is the input window only: event streams are binned into that many frames, then averaged. */
  constructor(readonly plan: ModelPlan, readonly kernels: Kernels, readonly steps: number, readonly maxBatch: number) {
    if (!Number.isInteger(steps) || steps < 1 || steps > 10000) throw new EngineError('bad-option', `steps T is ${steps}; allowed: an integer from 1 to 10000`);
    if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > 100000) throw new EngineError('bad-option', `batch is ${maxBatch}; allowed: an integer from 1 to 100000`);
    const top = plan.layers[plan.layers.length - 1];
    this.input = kernels.allocF32(maxBatch * plan.inputSize);
    this.stages = plan.stages.map((p) => (p.kind === 'avgpool' ? new PoolLayer(p, kernels, maxBatch) : new AffineLayer(p, kernels, maxBatch, p !== top)));
    this.layers = this.stages.filter((s): s is AffineLayer => s instanceof AffineLayer);
  }

  /** Trainable tensors in the spiking network's order: weights then bias of each layer. */
  params(): Param[] {
    return layerParams(this.layers);
  }

  init(name: string, rng: Rng, gain = 1): void {
    for (const l of this.layers) initLayer(l, name, rng, gain);
  }

  /** The intensities themselves are the input (no coding, so the RNG is not drawn from). */
  encode(intensities: Float32Array, batch: number, _rng: Rng): void {
    this.setBatch(batch);
    this.input.set(intensities.subarray(0, batch * this.plan.inputSize));
  }

  /** Event frames [steps·batch, inputs] averaged over the steps: each input's event rate in [0, 1]. */
  setInputSpikes(dense: ArrayLike<number>, batch: number): void {
    this.setBatch(batch);
    const n = this.plan.inputSize;
    const x = this.input.subarray(0, batch * n).fill(0);
    for (let t = 0; t < this.steps; t++) {
      for (let b = 0; b < batch; b++) {
        const from = (t * batch + b) * n;
        for (let i = 0; i < n; i++) if (dense[from + i]) x[b * n + i]! += 1;
      }
    }
    for (let i = 0; i < x.length; i++) x[i]! /= this.steps;
  }

  /** One pass; returns the output layer's scores [batch, classes]. */
  forward(): Float32Array {
    const rows = this.rows();
    let below: Activity = { kind: 'analog', values: this.input };
    this.stages.forEach((stage, i) => {
      below = stage.forward(below, rows);
      this.outputs[i] = below;
    });
    return this.layers[this.layers.length - 1]!.out.subarray(0, this.batch * this.plan.classes);
  }

  /** Backprop from `outGrad` = ∂L/∂s [batch, classes]; the gradient mode has no temporal terms to act on. */
  backward(outGrad: Float32Array): void {
    const rows = this.rows();
    this.layers[this.layers.length - 1]!.g.set(outGrad.subarray(0, this.batch * this.plan.classes));
    for (let i = this.stages.length - 1; i >= 0; i--) {
      const below: Activity = i > 0 ? this.outputs[i - 1]! : { kind: 'analog', values: this.input };
      this.stages[i]!.backward(below, i > 0 ? this.stages[i - 1]!.g : undefined, rows, { resetPath: false, leakPath: false });
    }
  }

  /** Per layer, the fraction of non-zero ReLU outputs (output layer: of positive scores) in the last pass. */
  firingRates(): number[] {
    return this.layers.map((l) => {
      const n = this.batch * l.plan.units;
      let active = 0;
      for (let i = 0; i < n; i++) if (l.out[i]! > 0) active++;
      return active / n;
    });
  }

  /** No spikes and no membrane potentials to show. */
  activity(): null {
    return null;
  }

  private rows(): Rows {
    return { steps: 1, batch: this.batch };
  }

  private setBatch(batch: number): void {
    if (!Number.isInteger(batch) || batch < 1 || batch > this.maxBatch) {
      throw new EngineError('bad-option', `batch of ${batch} samples; allowed: 1 to ${this.maxBatch} (the network's maximum batch)`);
    }
    this.batch = batch;
  }
}

/**
 * A dense or conv2d layer of the twin: affine, then ReLU unless it is the output layer. Its input
 * is always analog (intensities, ReLU outputs or pooled means), so the dense and zero-skipping
 * kernels apply. Backward turns g = ∂L/∂a into ∂L/∂z = g · [z > 0] in place (ReLU'(0) = 0, as in
 * tfjs), then ∂L/∂b = Σ_rows ∂L/∂z, ∂L/∂W = a[n−1]ᵀ · ∂L/∂z, ∂L/∂a[n−1] = Wᵀ · ∂L/∂z
 * (the transposed convolution for conv2d), the same synapse gradients as a LIF layer's.
 */
export class AffineLayer implements Stage {
  readonly w: Float32Array;
  readonly b: Float32Array;
  readonly dw: Float32Array;
  readonly db: Float32Array;
  /** a = ReLU(z), or z for the output layer, [rows, units]. */
  readonly out: Float32Array;
  /** ∂L/∂a, then ∂L/∂z. */
  readonly g: Float32Array;

  constructor(readonly plan: LifLayerPlan, private readonly k: Kernels, maxRows: number, readonly relu: boolean) {
    this.w = k.allocF32(plan.weights);
    this.b = k.allocF32(plan.biases);
    this.dw = k.allocF32(plan.weights);
    this.db = k.allocF32(plan.biases);
    this.out = k.allocF32(maxRows * plan.units);
    this.g = k.allocF32(maxRows * plan.units);
  }

  forward(below: Activity, rows: Rows): Activity {
    const { k, plan } = this;
    const n = rows.steps * rows.batch;
    const x = analog(below);
    if (plan.conv) k.conv(x, n, this.w, plan.conv, this.out);
    else k.denseMatmul(x, n, plan.inUnits, this.w, plan.units, this.out);
    const z = this.out.subarray(0, n * plan.units);
    if (plan.bias) addBias(z, this.b, n, plan);
    if (this.relu) for (let i = 0; i < z.length; i++) if (z[i]! < 0) z[i] = 0; // NaN passes on, to be caught
    return { kind: 'analog', values: this.out };
  }

  backward(below: Activity, belowGrad: Float32Array | undefined, rows: Rows): void {
    const { k, plan } = this;
    const n = rows.steps * rows.batch;
    const g = this.g.subarray(0, n * plan.units);
    if (this.relu) for (let i = 0; i < g.length; i++) if (!(this.out[i]! > 0)) g[i] = 0;
    const geom = plan.conv;
    if (plan.bias && geom) k.channelSums(g, n, geom.outC, geom.outH * geom.outW, this.db);
    else if (plan.bias) k.columnSums(g, n, plan.units, this.db);
    const x = analog(below);
    if (geom) {
      k.convWeightGrad(x, g, n, geom, this.dw);
      if (belowGrad) k.convBackpropInput(g, this.w, n, geom, belowGrad);
      return;
    }
    k.denseWeightGrad(x, g, n, plan.inUnits, plan.units, this.dw);
    if (belowGrad) k.backpropInput(g, this.w, n, plan.inUnits, plan.units, belowGrad);
  }
}

/** z[r, j] += b[j] (dense), or b[f] at every position of filter f (conv2d). */
function addBias(z: Float32Array, b: Float32Array, rows: number, plan: LifLayerPlan): void {
  const positions = plan.conv ? plan.conv.outH * plan.conv.outW : 1;
  const channels = plan.units / positions;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++) {
      const from = (r * channels + c) * positions;
      for (let p = 0; p < positions; p++) z[from + p]! += b[c]!;
    }
  }
}

function analog(a: Activity): Float32Array {
  if (a.kind !== 'analog') throw new EngineError('bad-state', 'the non-spiking twin received spikes; its stages pass analog values only');
  return a.values;
}
