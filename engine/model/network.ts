import type { BernoulliCode, GradMode, Kernels, SpikeLists } from '../backend/types';
import { EngineError, unknownName } from '../errors';
import type { Rng } from '../rng';
import type { ModelPlan } from '../spec/infer';
import type { Param } from '../optim/optimizer';
import { initLayer, layerParams } from './init';
import { LifLayer, PoolLayer, type Activity, type Stage } from './layers';
import type { Network, SampleActivity } from './types';

export type { SampleActivity } from './types';
import { drawBernoulliKeys } from '../encode/bernoulli';

/** Which temporal terms the backward pass keeps (docs/math.md "Backward"). */
export type GradModeName = 'stbp' | 'sdbp' | 'detach-reset';
export const GRAD_MODES: Record<GradModeName, GradMode> = {
  stbp: { resetPath: true, leakPath: true },
  sdbp: { resetPath: false, leakPath: false },
  'detach-reset': { resetPath: false, leakPath: true },
};
export function gradMode(name: string): GradMode {
  if (!(name in GRAD_MODES)) throw unknownName('gradient mode', name, Object.keys(GRAD_MODES));
  return GRAD_MODES[name as GradModeName];
}

/**
 * A spiking network run multi-step and time-major (docs/math.md): a chain of stages (engine/model/
 * layers.ts), each LIF layer one synaptic op for all T steps (a spike-driven matmul or
 * convolution), then the fused LIF scan; pooling layers in between are linear. Backward runs the
 * chain in reverse. Buffers are sized once for (steps, maxBatch) in the backend's memory and
 * reused every batch.
 */
export class SpikingNetwork implements Network {
  readonly kind = 'spiking';
  /** The LIF layers, in order (parameters, firing rates and activity are theirs). */
  readonly layers: LifLayer[];
  readonly stages: Stage[];
  readonly input: SpikeLists;
  readonly counts: Float32Array;
  private readonly code: BernoulliCode;
  /** Each stage's output in the last forward pass, kept for the backward pass. */
  private readonly outputs: Activity[] = [];
  /** The pooling stage whose ∂L/∂input the layer below spreads itself (LifLayer's `pooledAbove`), if any. */
  private poolSpreadInside = -1;
  private batch = 0;

  constructor(readonly plan: ModelPlan, readonly kernels: Kernels, readonly steps: number, readonly maxBatch: number) {
    if (!Number.isInteger(steps) || steps < 1 || steps > 10000) throw new EngineError('bad-option', `steps T is ${steps}; allowed: an integer from 1 to 10000`);
    if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > 100000) throw new EngineError('bad-option', `batch is ${maxBatch}; allowed: an integer from 1 to 100000`);
    const rows = steps * maxBatch;
    const k = kernels;
    // Coded input repeats itself from step to step: kernels may sum its changes (SpikeDeltas).
    this.input = k.spikeLists(rows, plan.inputSize, true);
    this.code = {
      steps, batch: maxBatch, inputs: plan.inputSize,
      thresholds: k.allocU32(maxBatch * plan.inputSize),
      keys: k.allocU32(rows),
      nonZero: k.allocI32(maxBatch * plan.inputSize),
      nonZeroLen: k.allocI32(maxBatch),
    };
    // Built from the top down, so a conv layer fed the coded input can take the gradient of the
    // pooling above it inside its fused backward pass (LifLayer's `pooledAbove`).
    const stages: Stage[] = [];
    for (let i = plan.stages.length - 1; i >= 0; i--) {
      const p = plan.stages[i]!;
      const above = stages[0];
      const pooled = i === 0 && steps > 1 && k.convLifBackward && p.kind !== 'avgpool' && p.conv && p.bias
        && above instanceof PoolLayer && above.plan.pool.kernel <= above.plan.pool.stride ? above : undefined;
      stages.unshift(p.kind === 'avgpool' ? new PoolLayer(p, k, rows) : new LifLayer(p, k, rows, pooled));
      if (pooled) this.poolSpreadInside = 1;
    }
    this.stages = stages;
    this.layers = this.stages.filter((s): s is LifLayer => s instanceof LifLayer);
    this.counts = new Float32Array(maxBatch * plan.classes);
  }

  /** Output spike counts sum over all T steps. */
  get countSteps(): number {
    return this.steps;
  }

  /** Trainable tensors in a fixed order (weights then bias of each layer; biases only if learnt). */
  params(): Param[] {
    return layerParams(this.layers);
  }

  init(name: string, rng: Rng, gain = 1): void {
    for (const l of this.layers) initLayer(l, name, rng, gain);
  }

  /** Bernoulli-code a batch of intensities [batch, inputs] in [0, 1] into the input spikes. */
  encode(intensities: Float32Array, batch: number, rng: Rng): void {
    this.setBatch(batch);
    const code = { ...this.code, batch };
    this.kernels.bernoulliThresholds(intensities, batch, code);
    drawBernoulliKeys(code, this.steps * batch, rng);
    const input = this.rowsView(this.input);
    this.kernels.encodeBernoulli(code, input);
    this.kernels.spikeDeltas(input);
  }

  /** Use given input spikes, dense 0/1 [steps·batch, inputs] (tests, event data). */
  setInputSpikes(dense: ArrayLike<number>, batch: number): void {
    this.setBatch(batch);
    const n = this.plan.inputSize;
    for (let r = 0; r < this.steps * batch; r++) {
      let count = 0;
      for (let i = 0; i < n; i++) if (dense[r * n + i]) this.input.idx[this.input.start[r] + count++] = i;
      this.input.len[r] = count;
    }
    this.kernels.spikeDeltas(this.rowsView(this.input));
  }

  /** Forward over all T steps; fills `counts` [batch, classes] with output spike counts. */
  forward(): Float32Array {
    const rows = { steps: this.steps, batch: this.batch };
    let below: Activity = { kind: 'spikes', spikes: this.rowsView(this.input) };
    this.stages.forEach((stage, i) => {
      below = stage.forward(below, rows);
      this.outputs[i] = below;
    });
    const out = this.layers[this.layers.length - 1];
    const classes = this.plan.classes;
    this.counts.fill(0, 0, this.batch * classes);
    for (let r = 0; r < this.steps * this.batch; r++) {
      const b = r % this.batch;
      const from = out.spikes.start[r];
      for (let j = 0; j < out.spikes.len[r]; j++) this.counts[b * classes + out.spikes.idx[from + j]]++;
    }
    return this.counts;
  }

  /**
   * Backward (docs/math.md): `outGrad` [batch, classes] is ∂L/∂o[t] of the output layer, the same for
   * every step t. Fills every layer's dw and db.
   */
  backward(outGrad: Float32Array, mode: GradMode): void {
    const rows = { steps: this.steps, batch: this.batch };
    const top = this.layers[this.layers.length - 1];
    const classes = this.plan.classes;
    for (let r = 0; r < this.steps * this.batch; r++) {
      const b = r % this.batch;
      top.g.set(outGrad.subarray(b * classes, (b + 1) * classes), r * classes);
    }
    for (let i = this.stages.length - 1; i >= 0; i--) {
      if (i === this.poolSpreadInside) continue;
      const below: Activity = i > 0 ? this.outputs[i - 1]! : { kind: 'spikes', spikes: this.rowsView(this.input) };
      this.stages[i]!.backward(below, i > 0 ? this.stages[i - 1]!.g : undefined, rows, mode);
    }
  }

  /** Mean firing rate per layer over the last forward pass (spikes per neuron per step). */
  firingRates(): number[] {
    const rows = this.steps * this.batch;
    return this.layers.map((l) => {
      let total = 0;
      for (let r = 0; r < rows; r++) total += l.spikes.len[r];
      return total / (rows * l.plan.units);
    });
  }

  /**
   * Sample b's activity over the last forward pass (the paper's Fig. 4c/4d): input spikes and,
   * per layer, spikes and membrane potentials u, each [steps, units] time-major.
   */
  activity(b = 0): SampleActivity {
    if (!(b >= 0 && b < this.batch)) throw new EngineError('bad-option', `activity: sample ${b}; allowed: 0 to ${this.batch - 1}`);
    const rows = (s: SpikeLists, n: number) => {
      const out = new Uint8Array(this.steps * n);
      for (let t = 0; t < this.steps; t++) {
        const r = t * this.batch + b;
        for (let k = 0; k < s.len[r]!; k++) out[t * n + s.idx[s.start[r]! + k]!] = 1;
      }
      return out;
    };
    return {
      steps: this.steps,
      input: rows(this.input, this.plan.inputSize),
      layers: this.layers.map((l) => {
        const n = l.plan.units;
        const membrane = new Float32Array(this.steps * n);
        for (let t = 0; t < this.steps; t++) membrane.set(l.u.subarray((t * this.batch + b) * n, (t * this.batch + b + 1) * n), t * n);
        return { units: n, vth: l.plan.vth, spikes: rows(l.spikes, n), membrane };
      }),
    };
  }

  private setBatch(batch: number): void {
    if (!Number.isInteger(batch) || batch < 1 || batch > this.maxBatch) {
      throw new EngineError('bad-option', `batch of ${batch} samples; allowed: 1 to ${this.maxBatch} (the network's maximum batch)`);
    }
    this.batch = batch;
  }

  /** The same lists restricted to the rows of the current batch. */
  private rowsView(s: SpikeLists): SpikeLists {
    return { ...s, rows: this.steps * this.batch, steps: this.steps };
  }
}
