import { WasmRuntime, type SpawnKernelThread } from '../wasm/runtime';
import type { BernoulliCode, GradMode, Kernels, LifScan, SpikeLists } from './types';

/**
 * Event-driven WASM SIMD kernels: binary spike matrices travel as index lists, so S·W and Sᵀ·g are
 * gather-adds of weight (or gradient) rows, work ∝ spikes. Every buffer lives in the module's
 * shared memory; with a thread seam the work is split across threads.
 */
export class WasmKernels implements Kernels {
  readonly family = 'wasm' as const;
  private readonly rt: WasmRuntime;
  private scratch = new Map<string, { buf: Float32Array | Int32Array; size: number }>();

  constructor(threads = 1, spawn?: SpawnKernelThread) {
    this.rt = new WasmRuntime(threads, spawn);
  }

  get description(): string {
    return `wasm-simd ×${this.rt.threads} thread${this.rt.threads > 1 ? 's' : ''}`;
  }

  allocF32(count: number): Float32Array { return this.rt.f32(count); }
  allocI32(count: number): Int32Array { return this.rt.i32(count); }
  allocU32(count: number): Uint32Array { return this.rt.u32(count); }

  spikeLists(rows: number, cols: number): SpikeLists {
    const start = this.rt.i32(rows);
    for (let r = 0; r < rows; r++) start[r] = r * cols;
    return { rows, cols, idx: this.rt.i32(rows * cols), start, len: this.rt.i32(rows) };
  }

  /** A named scratch buffer reused across calls, reallocated only when it must grow. */
  private scratchI32(key: string, count: number): Int32Array {
    const have = this.scratch.get(key);
    if (have && have.size >= count) return have.buf as Int32Array;
    const buf = this.rt.i32(count);
    this.scratch.set(key, { buf, size: count });
    return buf;
  }

  encodeBernoulli(code: BernoulliCode, out: SpikeLists): void {
    const thr = this.inMemory(code.thresholds);
    const keys = this.inMemory(code.keys);
    const nz = this.inMemory(code.nonZero);
    const nzLen = this.inMemory(code.nonZeroLen);
    this.rt.split('bernoulliEncode', 6, [
      thr, keys, nz, nzLen, code.batch, code.inputs, 0, code.steps * code.batch, out.idx.byteOffset, out.len.byteOffset,
    ]);
  }

  spikeMatmul(s: SpikeLists, w: Float32Array, units: number, out: Float32Array): void {
    this.rt.split('gatherRows', 3, [
      s.idx.byteOffset, s.start.byteOffset, s.len.byteOffset, 0, s.rows, this.inMemory(w), out.byteOffset, units,
    ]);
  }

  spikeWeightGrad(s: SpikeLists, g: Float32Array, units: number, dw: Float32Array): void {
    // Sᵀ as column lists, then every weight row is a gather-add of gradient rows.
    const colStart = this.scratchI32('colStart', s.cols);
    const colLen = this.scratchI32('colLen', s.cols);
    const colIdx = this.scratchI32('colIdx', s.rows * s.cols);
    this.rt.call('transposeLists', s.idx.byteOffset, s.len.byteOffset, s.cols, s.rows, s.cols,
      colStart.byteOffset, colLen.byteOffset, colIdx.byteOffset);
    this.rt.split('gatherRows', 3, [
      colIdx.byteOffset, colStart.byteOffset, colLen.byteOffset, 0, s.cols, this.inMemory(g), dw.byteOffset, units,
    ]);
  }

  backpropInput(g: Float32Array, w: Float32Array, rows: number, inUnits: number, units: number, out: Float32Array): void {
    const wt = this.scratchF32('wT', inUnits * units);
    this.rt.split('transpose', 2, [this.inMemory(w), wt.byteOffset, 0, inUnits, inUnits, units]);
    this.rt.split('matmul', 3, [this.inMemory(g), wt.byteOffset, out.byteOffset, 0, rows, units, inUnits]);
  }

  lifForward(xu: Float32Array, bias: Float32Array, lif: LifScan, spikes: SpikeLists): void {
    this.rt.split('lifForward', 7, [
      this.inMemory(xu), this.inMemory(bias), spikes.idx.byteOffset, spikes.len.byteOffset,
      lif.steps, lif.batch, lif.units, 0, lif.batch, lif.vth, lif.decay,
    ]);
  }

  lifBackward(u: Float32Array, g: Float32Array, lif: LifScan, mode: GradMode): void {
    this.rt.split('lifBackward', 5, [
      this.inMemory(u), this.inMemory(g), lif.steps, lif.batch, lif.units, 0, lif.batch,
      lif.vth, lif.decay, lif.surrogateId, lif.width, mode.resetPath ? 1 : 0, mode.leakPath ? 1 : 0,
    ]);
  }

  columnSums(a: Float32Array, rows: number, cols: number, out: Float32Array): void {
    this.rt.call('columnSums', this.inMemory(a), this.inMemory(out), 0, cols, rows, cols);
  }

  dispose(): void {
    this.rt.dispose();
  }

  private scratchF32(key: string, count: number): Float32Array {
    const have = this.scratch.get(key);
    if (have && have.size >= count) return have.buf as Float32Array;
    const buf = this.rt.f32(count);
    this.scratch.set(key, { buf, size: count });
    return buf;
  }

  /** The address of an array that must already live in this backend's memory. */
  private inMemory(a: Float32Array | Int32Array | Uint32Array): number {
    if (!this.rt.owns(a)) {
      throw new Error('WasmKernels: array was not allocated by this backend (use allocF32/allocI32/allocU32)');
    }
    return a.byteOffset;
  }
}
