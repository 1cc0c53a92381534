import type { GradMode, Kernels, LifScan, SpikeLists } from '../backend/types';
import type { LifLayerPlan, PoolLayerPlan } from '../spec/infer';

/**
 * What a stage hands the next one for all T·batch rows: binary spikes as index lists (a LIF layer,
 * or the coded input), or analog values [rows, units] (a pooling layer's window means).
 */
export type Activity =
  | { kind: 'spikes'; spikes: SpikeLists }
  | { kind: 'analog'; values: Float32Array };

/** The rows in use this batch: r = t·batch + b, steps·batch of them. */
export interface Rows {
  steps: number;
  batch: number;
}

/**
 * One stage of the chain, its forward pass and its backward pass side by side. `g` is ∂L/∂(this
 * stage's output), [rows, units]: the stage above (or the loss) fills it before `backward`, which
 * fills its own parameter gradients and, when given one, ∂L/∂(the input it was fed) in `belowGrad`.
 */
export interface Stage {
  readonly g: Float32Array;
  forward(below: Activity, rows: Rows): Activity;
  backward(below: Activity, belowGrad: Float32Array | undefined, rows: Rows, mode: GradMode): void;
}

/**
 * A LIF layer (docs/math.md): synapses x[t] = W·o[t, n−1] (a matrix product for dense layers, a
 * convolution for conv2d), then the LIF scan, the same for both. Binary input takes the
 * event-driven kernels (work ∝ spikes); analog input, a pooling layer's output, the
 * zero-skipping ones. Backward: the LIF scan in reverse turns g = ∂L/∂o into ε = ∂L/∂u in place,
 *   ∂L/∂b = Σ_t ε,   ∂L/∂W = Σ_t ε ⊗ o[t, n−1],   ∂L/∂o[t, n−1] = Wᵀ ε   (transposed conv for conv2d).
 */
export class LifLayer implements Stage {
  readonly w: Float32Array;
  readonly b: Float32Array;
  readonly dw: Float32Array;
  readonly db: Float32Array;
  /** x, then u, for all T·batch rows. */
  readonly u: Float32Array;
  /** ∂L/∂o, then ε = ∂L/∂u (empty when `pooledAbove` hands ∂L/∂o over instead). */
  readonly g: Float32Array;
  readonly spikes: SpikeLists;
  /** conv2d: the per-filter bias spread over the filter's positions (the LIF scan adds per unit). */
  private readonly unitBias: Float32Array;

  /**
   * `pooledAbove`: the average pooling this conv layer feeds, when the backend spreads that
   * pooling's gradient inside its fused backward pass (Kernels.convLifBackward): the pooling
   * writes no ∂L/∂o here, and no T·batch·units buffer is kept for it.
   */
  constructor(readonly plan: LifLayerPlan, private readonly k: Kernels, maxRows: number, private readonly pooledAbove?: PoolLayer) {
    this.w = k.allocF32(plan.weights);
    this.b = k.allocF32(plan.biases);
    this.dw = k.allocF32(plan.weights);
    this.db = k.allocF32(plan.biases);
    this.u = k.allocF32(maxRows * plan.units);
    this.g = k.allocF32(pooledAbove ? 0 : maxRows * plan.units);
    this.spikes = k.spikeLists(maxRows, plan.units);
    this.unitBias = plan.conv ? k.allocF32(plan.units) : this.b;
  }

  forward(below: Activity, rows: Rows): Activity {
    const { k, plan } = this;
    const n = rows.steps * rows.batch;
    const geom = plan.conv;
    const spikes = { ...this.spikes, rows: n, steps: rows.steps };
    if (geom) {
      const positions = geom.outH * geom.outW;
      for (let f = 0; f < geom.outC; f++) this.unitBias.fill(this.b[f]!, f * positions, (f + 1) * positions);
      if (below.kind === 'spikes' && below.spikes.deltas && k.convSpikesLif) {
        // Rate-coded input: convolution and LIF scan in one pass (the same results).
        k.convSpikesLif(below.spikes, this.w, geom, this.unitBias, this.scan(rows), this.u, spikes);
        return { kind: 'spikes', spikes };
      }
      if (below.kind === 'analog' && k.convLif) {
        // Analog input (pooled spikes): convolution, by the input's changes, and LIF scan in one pass.
        k.convLif(below.values, this.w, geom, this.unitBias, this.scan(rows), this.u, spikes);
        return { kind: 'spikes', spikes };
      }
      if (below.kind === 'spikes') k.convSpikes(below.spikes, this.w, geom, this.u);
      else k.conv(below.values, n, this.w, geom, this.u, rows.steps);
    } else if (below.kind === 'spikes') {
      k.spikeMatmul(below.spikes, this.w, plan.units, this.u);
    } else {
      k.denseMatmul(below.values, n, plan.inUnits, this.w, plan.units, this.u, rows.steps);
    }
    k.lifForward(this.u, this.unitBias, this.scan(rows), spikes);
    return { kind: 'spikes', spikes };
  }

  backward(below: Activity, belowGrad: Float32Array | undefined, rows: Rows, mode: GradMode): void {
    const { k, plan } = this;
    const n = rows.steps * rows.batch;
    const geom = plan.conv;
    if (geom && plan.bias && below.kind === 'spikes' && below.spikes.deltas && k.convLifBackward && (this.pooledAbove || !belowGrad)) {
      // Rate-coded input: LIF scan, bias and weight gradients in one pass (∂L/∂o spread from the
      // pooling above inside it, when there is one).
      const pooled = this.pooledAbove && { g: this.pooledAbove.g, pool: this.pooledAbove.plan.pool };
      k.convLifBackward(this.u, this.g, this.scan(rows), mode, below.spikes, geom, this.dw, this.db, pooled);
      return;
    }
    k.lifBackward(this.u, this.g, this.scan(rows), mode);
    const eps = this.g.subarray(0, n * plan.units);
    if (plan.bias && geom) k.channelSums(eps, n, geom.outC, geom.outH * geom.outW, this.db);
    else if (plan.bias) k.columnSums(eps, n, plan.units, this.db);
    if (geom) {
      if (below.kind === 'spikes') k.convSpikesWeightGrad(below.spikes, eps, geom, this.dw);
      else k.convWeightGrad(below.values, eps, n, geom, this.dw);
      if (belowGrad) k.convBackpropInput(eps, this.w, n, geom, belowGrad);
      return;
    }
    if (below.kind === 'spikes') k.spikeWeightGrad(below.spikes, eps, plan.units, this.dw);
    else k.denseWeightGrad(below.values, eps, n, plan.inUnits, plan.units, this.dw);
    if (belowGrad) k.backpropInput(eps, this.w, n, plan.inUnits, plan.units, belowGrad);
  }

  private scan(rows: Rows): LifScan {
    const p = this.plan;
    return {
      steps: rows.steps, batch: rows.batch, units: p.units,
      vth: p.vth, decay: p.decay, surrogateId: p.surrogateId, width: p.width,
    };
  }
}

/**
 * Average pooling: linear, no neuron and no parameters. Following the paper ("the binary coding
 * of SNNs is inappropriate for standard max pooling, we use the average pooling instead") and its
 * Table V net, each window's mean of the spikes below, a value in {0, 1/k², …, 1}, is the next
 * layer's synaptic input as it is: there is no second threshold. Backward spreads g/k² evenly.
 */
export class PoolLayer implements Stage {
  readonly out: Float32Array;
  readonly g: Float32Array;

  constructor(readonly plan: PoolLayerPlan, private readonly k: Kernels, maxRows: number) {
    this.out = k.allocF32(maxRows * plan.units);
    this.g = k.allocF32(maxRows * plan.units);
  }

  forward(below: Activity, rows: Rows): Activity {
    if (below.kind === 'spikes') this.k.avgPoolSpikes(below.spikes, this.plan.pool, this.out);
    else this.k.avgPool(below.values, rows.steps * rows.batch, this.plan.pool, this.out);
    return { kind: 'analog', values: this.out };
  }

  backward(_below: Activity, belowGrad: Float32Array | undefined, rows: Rows): void {
    if (belowGrad) this.k.avgPoolBackprop(this.g, rows.steps * rows.batch, this.plan.pool, belowGrad);
  }
}
