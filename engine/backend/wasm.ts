import { WasmRuntime, type SpawnKernelThread } from '../wasm/runtime';
import type { BernoulliCode, GradMode, Kernels, LifScan, SpikeLists } from './types';

interface ColumnLists {
  idx: Int32Array;
  start: Int32Array;
  len: Int32Array;
  capacity: number;
}

/**
 * Event-driven WASM SIMD kernels: binary spike matrices travel as index lists, so S·W and Sᵀ·g are
 * gather-adds of weight (or gradient) rows, work ∝ spikes. Every buffer lives in the module's
 * shared memory; with a thread seam the work is split across threads.
 */
export class WasmKernels implements Kernels {
  readonly family = 'wasm' as const;
  private readonly rt: WasmRuntime;
  private scratch = new Map<string, { buf: Float32Array; size: number }>();
  private colLists = new Map<number, ColumnLists>();

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
    return { rows, steps: 1, cols, idx: this.rt.i32(rows * cols), start, len: this.rt.i32(rows) };
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
    // Output rows in sample-major order (one sample's steps share weight rows); W unpermuted.
    this.packInto(w, s.cols, units, 1);
    this.gather(s.idx, s.start, s.len, s.rows, s.steps, s.cols, units, out);
  }

  spikeWeightGrad(s: SpikeLists, g: Float32Array, units: number, dw: Float32Array): void {
    // Sᵀ as column lists (capacity s.rows each), then every weight row is a gather-add of
    // gradient rows. The lists name rows of g by sample-major position: pack g in that order.
    const cols = this.columnLists(s.cols, s.rows);
    this.rt.split('transposeLists', 4, [
      s.idx.byteOffset, s.len.byteOffset, s.cols, s.rows, 0, s.cols,
      cols.len.byteOffset, cols.idx.byteOffset, cols.capacity, s.steps, s.rows / s.steps,
    ]);
    this.packInto(g, s.rows, units, s.steps);
    this.gather(cols.idx, cols.start, cols.len, s.cols, 1, s.rows, units, dw);
  }

  /** Scratch column lists for `cols` columns of capacity ≥ `rows`, reallocated only to grow. */
  private columnLists(cols: number, rows: number): ColumnLists {
    let lists = this.colLists.get(cols);
    if (!lists || lists.capacity < rows) {
      const start = this.rt.i32(cols);
      for (let c = 0; c < cols; c++) start[c] = c * rows;
      lists = { idx: this.rt.i32(cols * rows), start, len: this.rt.i32(cols), capacity: rows };
      this.colLists.set(cols, lists);
    }
    return lists;
  }

  /** Pack b ([rows, n], time-major with `steps`) into 16-column blocks, rows sample-major. */
  private packInto(b: Float32Array, rows: number, n: number, steps: number): void {
    const packed = this.scratchF32('packed', rows * Math.ceil(n / 16) * 16);
    this.rt.split('packBlocks', 2, [this.inMemory(b), packed.byteOffset, 0, rows, rows, n, steps, rows / steps]);
  }

  /** out = the sums of packed rows listed per output row (output rows time-major with `steps`). */
  private gather(
    idx: Int32Array, start: Int32Array, len: Int32Array, rows: number, steps: number,
    bRows: number, n: number, out: Float32Array,
  ): void {
    const packed = this.scratchF32('packed', bRows * Math.ceil(n / 16) * 16);
    this.rt.split('gatherPacked', 3, [
      idx.byteOffset, start.byteOffset, len.byteOffset, 0, rows, steps, rows / steps,
      packed.byteOffset, bRows, this.inMemory(out), n,
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
    this.rt.split('columnSums', 2, [this.inMemory(a), this.inMemory(out), 0, cols, rows, cols]);
  }

  sgdUpdate(p: Float32Array, g: Float32Array, lr: number): void {
    this.rt.split('sgdUpdate', 2, [this.inMemory(p), this.inMemory(g), 0, p.length, lr]);
  }

  adamUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, lrT: number, beta1: number, beta2: number, epsHat: number): void {
    this.rt.split('adamUpdate', 4, [
      this.inMemory(p), this.inMemory(g), this.inMemory(m), this.inMemory(v), 0, p.length,
      lrT, beta1, 1 - beta1, beta2, 1 - beta2, epsHat,
    ]);
  }

  dispose(): void {
    this.rt.dispose();
  }

  /** A named scratch buffer reused across calls, reallocated only when it must grow. */
  private scratchF32(key: string, count: number): Float32Array {
    const have = this.scratch.get(key);
    if (have && have.size >= count) return have.buf;
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
