/**
 * The kernel interface every backend implements. Arrays are row-major f32; a layer's activity
 * for all T steps of a batch is one matrix with row r = t·batch + b (time-major, MATH.md).
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
  spikeLists(rows: number, cols: number): SpikeLists;

  /** Bernoulli rate coding: see engine/encode/bernoulli.ts for the exact rule. */
  encodeBernoulli(code: BernoulliCode, out: SpikeLists): void;
  /** out = S · W, S binary [rows, in] given as lists, W [in, units]. */
  spikeMatmul(s: SpikeLists, w: Float32Array, units: number, out: Float32Array): void;
  /** dW = Sᵀ · g, S binary [rows, in], g [rows, units]. */
  spikeWeightGrad(s: SpikeLists, g: Float32Array, units: number, dw: Float32Array): void;
  /** out = g · Wᵀ: ∂L/∂o of the layer below, g [rows, units], W [in, units], out [rows, in]. */
  backpropInput(g: Float32Array, w: Float32Array, rows: number, inUnits: number, units: number, out: Float32Array): void;
  /** Fused LIF forward scan, in place (x → u); spikes of each row into `spikes`. */
  lifForward(xu: Float32Array, bias: Float32Array, lif: LifScan, spikes: SpikeLists): void;
  /** Fused LIF backward scan, in place (∂L/∂o → ε = ∂L/∂u), see MATH.md. */
  lifBackward(u: Float32Array, g: Float32Array, lif: LifScan, mode: GradMode): void;
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

/** How the backward scan treats the temporal (TD) terms of MATH.md. */
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
