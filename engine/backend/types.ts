/**
 * The kernel interface every backend implements. Arrays are row-major f32; a layer's activity
 * for all T steps of a batch is one matrix with row r = t·batch + b (time-major, docs/math.md).
 * Buffers come from the backend's own `alloc*` so a backend can keep them where its kernels
 * read them (the WASM backend: inside its linear memory, no copies).
 */
export interface Kernels {
  /** What actually runs, e.g. 'wasm-simd ×2 threads' or 'tfjs (tensorflow native)'. */
  readonly description: string;
  readonly family: BackendFamily;
  allocF32(count: number): Float32Array;
  allocI32(count: number): Int32Array;
  allocU32(count: number): Uint32Array;
  /**
   * Empty spike lists; with `deltas`, room for each row's changes from the same sample's previous
   * step too (SpikeDeltas), for rate-coded input whose steps repeat each other.
   */
  spikeLists(rows: number, cols: number, deltas?: boolean): SpikeLists;
  /** Fill s.deltas (when s has them) from s's rows: call after writing the lists. */
  spikeDeltas(s: SpikeLists): void;

  /**
   * The thresholds and non-zero lists of `batch` samples of intensities [batch, code.inputs] in
   * [0, 1] (engine/encode/bernoulli.ts bernoulliThresholds, bit for bit); throws naming the first
   * intensity outside that range.
   */
  bernoulliThresholds(intensities: Float32Array, batch: number, code: BernoulliCode): void;
  /** Bernoulli rate coding: see engine/encode/bernoulli.ts for the exact rule. */
  encodeBernoulli(code: BernoulliCode, out: SpikeLists): void;
  /** out = S · W, S binary [rows, in] given as lists, W [in, units]. */
  spikeMatmul(s: SpikeLists, w: Float32Array, units: number, out: Float32Array): void;
  /** dW = Sᵀ · g, S binary [rows, in], g [rows, units]. */
  spikeWeightGrad(s: SpikeLists, g: Float32Array, units: number, dw: Float32Array): void;
  /** out = g · Wᵀ: ∂L/∂o of the layer below, g [rows, units], W [in, units], out [rows, in]. */
  backpropInput(g: Float32Array, w: Float32Array, rows: number, inUnits: number, units: number, out: Float32Array): void;
  /**
   * out = A · W, A analog [rows, in] (a pooling layer's output), W [in, units]. With `steps` > 1 the rows are one
   * run's, time-major: a backend may sum a sample's step from its previous one by A's changes.
   */
  denseMatmul(a: Float32Array, rows: number, inUnits: number, w: Float32Array, units: number, out: Float32Array, steps?: number): void;
  /** dW = Aᵀ · g, A analog [rows, in], g [rows, units]. */
  denseWeightGrad(a: Float32Array, g: Float32Array, rows: number, inUnits: number, units: number, dw: Float32Array): void;

  /**
   * Event-driven convolution of binary spikes (ConvGeometry): each input spike adds its kernel
   * slice W[:, c, ·, ·] into the output, no multiplies, work ∝ spikes. out [rows, outC·outH·outW].
   */
  convSpikes(s: SpikeLists, w: Float32Array, geom: ConvGeometry, out: Float32Array): void;
  /**
   * Optional: convSpikes of input with SpikeDeltas into `u`, then lifForward(u, bias, lif, spikes),
   * in one pass while each row is in cache: the same arithmetic, the same results as the two calls.
   */
  convSpikesLif?(s: SpikeLists, w: Float32Array, geom: ConvGeometry, bias: Float32Array, lif: LifScan, u: Float32Array, spikes: SpikeLists): void;
  /**
   * Optional: lifBackward(u, g, lif, mode), then the layer's bias gradient db (channelSums of ε)
   * and convSpikesWeightGrad(s, ε, geom, dw), in one pass over each sample's steps, for input with
   * SpikeDeltas: ε ends in g as with lifBackward; dw and db are the same sums in another order.
   * With `pooled`, ∂L/∂o is avgPoolBackprop(pooled.g, pooled.pool) (windows that do not overlap),
   * spread row by row inside the pass, and g is neither read nor written.
   */
  convLifBackward?(
    u: Float32Array, g: Float32Array, lif: LifScan, mode: GradMode, s: SpikeLists, geom: ConvGeometry, dw: Float32Array, db: Float32Array,
    pooled?: { g: Float32Array; pool: PoolGeometry },
  ): void;
  /** dW of convSpikes: for each input spike, the output-gradient patch it saw is added into dW. */
  convSpikesWeightGrad(s: SpikeLists, g: Float32Array, geom: ConvGeometry, dw: Float32Array): void;
  /**
   * Convolution of analog inputs x [rows, inC·inH·inW] (zeros skipped). With `steps` > 1 the rows
   * are one run's, time-major (row t·batch + b, rows = steps·batch): a backend may sum a sample's
   * step from its previous one by the input's changes (the same values up to float rounding).
   */
  conv(x: Float32Array, rows: number, w: Float32Array, geom: ConvGeometry, out: Float32Array, steps?: number): void;
  /**
   * conv of one run's analog input (rows lif.steps × lif.batch, time-major) then lifForward on its
   * output, in one pass where the backend can: the same results as conv then lifForward.
   */
  convLif?(x: Float32Array, w: Float32Array, geom: ConvGeometry, bias: Float32Array, lif: LifScan, u: Float32Array, spikes: SpikeLists): void;
  /** dW of conv: dW[f, c, ky, kx] = Σ_r,oy,ox g[r, f, oy, ox] · x[r, c, oy·s + ky − p, ox·s + kx − p]. */
  convWeightGrad(x: Float32Array, g: Float32Array, rows: number, geom: ConvGeometry, dw: Float32Array): void;
  /** ∂L/∂input of either convolution (the transposed convolution of g by W): out [rows, inC·inH·inW]. */
  convBackpropInput(g: Float32Array, w: Float32Array, rows: number, geom: ConvGeometry, out: Float32Array): void;

  /** Average pooling of binary spikes into analog means, out [rows, channels·outH·outW]. */
  avgPoolSpikes(s: SpikeLists, geom: PoolGeometry, out: Float32Array): void;
  /** Average pooling of analog values x [rows, channels·inH·inW]. */
  avgPool(x: Float32Array, rows: number, geom: PoolGeometry, out: Float32Array): void;
  /** ∂L/∂input of average pooling: each input gets g/kernel² from every window it lies in (0 if none). */
  avgPoolBackprop(g: Float32Array, rows: number, geom: PoolGeometry, out: Float32Array): void;

  /** Fused LIF forward scan, in place (x → u); spikes of each row into `spikes`. */
  lifForward(xu: Float32Array, bias: Float32Array, lif: LifScan, spikes: SpikeLists): void;
  /** Fused LIF backward scan, in place (∂L/∂o → ε = ∂L/∂u), see docs/math.md. */
  lifBackward(u: Float32Array, g: Float32Array, lif: LifScan, mode: GradMode): void;
  /** out[c] = Σ_r,p a[r, c, p] for a [rows, channels, positions]: a conv layer's bias gradient. */
  channelSums(a: Float32Array, rows: number, channels: number, positions: number, out: Float32Array): void;
  /** out[c] = Σ_r a[r, c]. */
  columnSums(a: Float32Array, rows: number, cols: number, out: Float32Array): void;
  /** p ← p − lr·g (engine/optim/updates.ts). */
  sgdUpdate(p: Float32Array, g: Float32Array, lr: number): void;
  /** One Adam step with bias corrections folded into lrT and epsHat (engine/optim/updates.ts). */
  adamUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, lrT: number, beta1: number, beta2: number, epsHat: number): void;
  dispose(): void;
}

export type BackendFamily = 'wasm' | 'tfjs';

/**
 * A convolution's geometry (engine/spec/infer.ts works it out). Maps are channel-major per row,
 * input [inC, inH, inW], output [outC, outH, outW]; W is [outC, inC, kernel, kernel] and
 *   out[f, oy, ox] = Σ_c,ky,kx W[f, c, ky, kx] · in[c, oy·stride + ky − pad, ox·stride + kx − pad]
 * with zeros outside the input; outH = ⌊(inH + 2·pad − kernel) / stride⌋ + 1, likewise outW.
 */
export interface ConvGeometry {
  inC: number;
  inH: number;
  inW: number;
  outC: number;
  outH: number;
  outW: number;
  kernel: number;
  stride: number;
  pad: number;
}

/**
 * Average pooling over [channels, inH, inW] per row: out[c, oy, ox] is the mean of the kernel×kernel
 * window at (oy·stride, ox·stride); outH = ⌊(inH − kernel) / stride⌋ + 1, likewise outW.
 */
export interface PoolGeometry {
  channels: number;
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  kernel: number;
  stride: number;
}

/**
 * Binary matrix as per-row index lists of capacity `cols` (row r's entries at idx[start[r]…]).
 * Rows are time-major, r = t·batch + b, with `steps` time steps (rows / steps samples).
 */
export interface SpikeLists {
  readonly rows: number;
  readonly steps: number;
  readonly cols: number;
  readonly idx: Int32Array;
  readonly start: Int32Array;
  readonly len: Int32Array;
  /** Where the backend keeps them: each row's changes since the sample's previous step. */
  readonly deltas?: SpikeDeltas;
}

/**
 * Per row r = t·batch + b of a SpikeLists, its changes from row r − batch, at changesAt[r]: the
 * indices r has and r − batch lacks, ascending, then cols + each index r − batch has and r lacks,
 * ascending (at t = 0, every spike). Kernels given lists with deltas may update a sample's sums by
 * these changes instead of summing each step afresh: the same sums, added in another order.
 */
export interface SpikeDeltas {
  readonly changes: Int32Array;
  readonly changesLen: Int32Array;
  readonly changesAt: Int32Array;
}

export interface LifScan {
  steps: number;
  batch: number;
  units: number;
  vth: number;
  decay: number;
  surrogateId: number;
  width: number;
}

/** How the backward scan treats the temporal (TD) terms of docs/math.md. */
export interface GradMode {
  /** Keep ε[t+1]·u[t]·(−tau) in δ[t] (the path through the reset). */
  resetPath: boolean;
  /** Keep ε[t+1]·tau·(1 − o[t]) in ε[t] (the leak). */
  leakPath: boolean;
}

/** Inputs of Bernoulli coding, prepared once per batch by engine/encode/bernoulli.ts. */
export interface BernoulliCode {
  steps: number;
  batch: number;
  inputs: number;
  /** [batch, inputs] spike thresholds p·2³² (u32). */
  thresholds: Uint32Array;
  /** [steps·batch] per-row random keys. */
  keys: Uint32Array;
  /** [batch, inputs] indices of non-zero pixels per sample; counts in nonZeroLen. */
  nonZero: Int32Array;
  nonZeroLen: Int32Array;
}
