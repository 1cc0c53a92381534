import { WasmRuntime, type SpawnKernelThread } from '../wasm/runtime';
import { bernoulliThresholds } from '../encode/bernoulli';
import { WasmArena } from './wasm-arena';
import {
  avgPool, avgPoolBackprop, avgPoolSpikes, conv, convBackpropInput, convLif, convLifBackward, convSpikes, convSpikesLif, convSpikesWeightGrad, convWeightGrad,
} from './wasm-conv';
import type { BernoulliCode, ConvGeometry, GradMode, Kernels, LifScan, PoolGeometry, SpikeDeltas, SpikeLists } from './types';

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
  private readonly arena: WasmArena;
  private colLists = new Map<string, ColumnLists>();

  constructor(threads = 1, spawn?: SpawnKernelThread) {
    this.rt = new WasmRuntime(threads, spawn);
    this.arena = new WasmArena(this.rt);
  }

  get description(): string {
    return `wasm-simd ×${this.rt.threads} thread${this.rt.threads > 1 ? 's' : ''}`;
  }

  allocF32(count: number): Float32Array { return this.rt.f32(count); }
  allocI32(count: number): Int32Array { return this.rt.i32(count); }
  allocU32(count: number): Uint32Array { return this.rt.u32(count); }

  spikeLists(rows: number, cols: number, deltas = false): SpikeLists {
    const start = this.rt.i32(rows);
    for (let r = 0; r < rows; r++) start[r] = r * cols;
    const lists = { rows, steps: 1, cols, idx: this.rt.i32(rows * cols), start, len: this.rt.i32(rows) };
    if (!deltas) return lists;
    return { ...lists, deltas: { changes: this.rt.i32(2 * rows * cols), changesLen: this.rt.i32(rows), changesAt: this.rt.i32(rows) } };
  }

  spikeDeltas(s: SpikeLists): void {
    const d = s.deltas;
    if (!d) return;
    const maps = this.arena.scratchF32('delta maps', Math.ceil((2 * s.cols * this.rt.threads) / 4)).fill(0);
    this.rt.split('spikeDeltas', 3, [
      s.idx.byteOffset, s.start.byteOffset, s.len.byteOffset, 0, s.rows / s.steps, s.steps, s.rows / s.steps,
      d.changes.byteOffset, d.changesLen.byteOffset, d.changesAt.byteOffset, s.cols, maps.byteOffset, 0,
    ], 12);
  }

  bernoulliThresholds(intensities: Float32Array, batch: number, code: BernoulliCode): void {
    const n = code.inputs;
    let x = intensities;
    if (!this.rt.owns(x)) {
      x = this.arena.scratchF32('intensities', batch * n);
      x.set(intensities.subarray(0, batch * n));
    }
    const flags = this.arena.scratchF32('bernoulli flags', batch);
    this.rt.split('bernoulliThresholds', 2, [
      x.byteOffset, n, 0, batch, this.arena.inMemory(code.thresholds), this.arena.inMemory(code.nonZero), this.arena.inMemory(code.nonZeroLen), flags.byteOffset,
    ]);
    const bad = new Int32Array(flags.buffer, flags.byteOffset, batch);
    // An intensity outside [0, 1]: the JavaScript rule finds the first and names it.
    if (bad.some((f) => f !== 0)) bernoulliThresholds(intensities, batch, code);
  }

  encodeBernoulli(code: BernoulliCode, out: SpikeLists): void {
    const thr = this.arena.inMemory(code.thresholds);
    const keys = this.arena.inMemory(code.keys);
    const nz = this.arena.inMemory(code.nonZero);
    const nzLen = this.arena.inMemory(code.nonZeroLen);
    this.rt.split('bernoulliEncode', 6, [
      thr, keys, nz, nzLen, code.batch, code.inputs, 0, code.steps * code.batch, out.idx.byteOffset, out.len.byteOffset,
    ]);
  }

  spikeMatmul(s: SpikeLists, w: Float32Array, units: number, out: Float32Array): void {
    const d = s.deltas;
    if (d && s.steps > 1) {
      // Rate-coded input: each sample's sums follow its spikes' changes (gather-delta.ts).
      const packed = this.arena.scratchF32('packed', 2 * s.cols * Math.ceil(units / 16) * 16);
      this.rt.split('packSigned', 2, [this.arena.inMemory(w), packed.byteOffset, 0, s.cols, s.cols, units]);
      const batch = s.rows / s.steps;
      this.rt.split('gatherDelta', 6, [
        s.idx.byteOffset, s.start.byteOffset, s.len.byteOffset, d.changes.byteOffset, d.changesLen.byteOffset, d.changesAt.byteOffset,
        0, batch, s.steps, batch, packed.byteOffset, s.cols, this.arena.inMemory(out), units,
      ]);
      return;
    }
    // Output rows in sample-major order (one sample's steps share weight rows); W unpermuted.
    this.packInto(w, s.cols, units, 1);
    this.gather(s.idx, s.start, s.len, s.rows, s.steps, s.cols, units, out);
  }

  spikeWeightGrad(s: SpikeLists, g: Float32Array, units: number, dw: Float32Array): void {
    if (s.deltas && s.steps > 1) {
      this.spikeWeightGradByChanges(s, s.deltas, g, units, dw);
      return;
    }
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

  /**
   * dW = Sᵀ·g by summation by parts where a sample's spikes change less often than they occur
   * (gather-delta.ts): per sample g's rows or their suffix sums, packed, and per input column
   * the lists of those rows to add and to subtract.
   */
  private spikeWeightGradByChanges(s: SpikeLists, d: SpikeDeltas, g: Float32Array, units: number, dw: Float32Array): void {
    const batch = s.rows / s.steps;
    const plus = this.columnLists(s.cols, s.rows, 'plus');
    const minus = this.columnLists(s.cols, s.rows, 'minus');
    this.rt.split('transposeDeltaLists', 7, [
      s.idx.byteOffset, s.start.byteOffset, s.len.byteOffset, d.changes.byteOffset, d.changesLen.byteOffset, d.changesAt.byteOffset,
      s.cols, 0, s.cols, s.steps, batch, plus.len.byteOffset, plus.idx.byteOffset, minus.len.byteOffset, minus.idx.byteOffset, plus.capacity,
    ]);
    const packed = this.arena.scratchF32('packed', s.rows * Math.ceil(units / 16) * 16);
    this.rt.split('packSuffix', 2, [
      this.arena.inMemory(g), packed.byteOffset, 0, batch, s.rows, units, s.steps, batch, s.len.byteOffset, d.changesLen.byteOffset,
    ]);
    this.rt.split('gatherSigned', 5, [
      plus.len.byteOffset, plus.idx.byteOffset, minus.len.byteOffset, minus.idx.byteOffset, plus.capacity, 0, s.cols,
      packed.byteOffset, s.rows, this.arena.inMemory(dw), units,
    ]);
  }

  /** Scratch column lists for `cols` columns of capacity ≥ `rows`, reallocated only to grow. */
  private columnLists(cols: number, rows: number, use = 'rows'): ColumnLists {
    const key = `${use} ${cols}`;
    let lists = this.colLists.get(key);
    if (!lists || lists.capacity < rows) {
      const start = this.rt.i32(cols);
      for (let c = 0; c < cols; c++) start[c] = c * rows;
      lists = { idx: this.rt.i32(cols * rows), start, len: this.rt.i32(cols), capacity: rows };
      this.colLists.set(key, lists);
    }
    return lists;
  }

  /** Pack b ([rows, n], time-major with `steps`) into 16-column blocks, rows sample-major. */
  private packInto(b: Float32Array, rows: number, n: number, steps: number): void {
    const packed = this.arena.scratchF32('packed', rows * Math.ceil(n / 16) * 16);
    this.rt.split('packBlocks', 2, [this.arena.inMemory(b), packed.byteOffset, 0, rows, rows, n, steps, rows / steps]);
  }

  /** out = the sums of packed rows listed per output row (output rows time-major with `steps`). */
  private gather(
    idx: Int32Array, start: Int32Array, len: Int32Array, rows: number, steps: number,
    bRows: number, n: number, out: Float32Array,
  ): void {
    const packed = this.arena.scratchF32('packed', bRows * Math.ceil(n / 16) * 16);
    this.rt.split('gatherPacked', 3, [
      idx.byteOffset, start.byteOffset, len.byteOffset, 0, rows, steps, rows / steps,
      packed.byteOffset, bRows, this.arena.inMemory(out), n,
    ]);
  }

  backpropInput(g: Float32Array, w: Float32Array, rows: number, inUnits: number, units: number, out: Float32Array): void {
    const wt = this.arena.scratchF32('wT', inUnits * units);
    this.rt.split('transpose', 2, [this.arena.inMemory(w), wt.byteOffset, 0, inUnits, inUnits, units]);
    // ε is mostly exact zeros (the surrogate's window): list each row's non-zeros, then gather.
    this.sparseMatmul(this.arena.inMemory(g), wt.byteOffset, this.arena.inMemory(out), rows, units, inUnits);
  }

  denseMatmul(a: Float32Array, rows: number, inUnits: number, w: Float32Array, units: number, out: Float32Array, steps = 1): void {
    // One run's rows (pooled spikes): each sample's step from its last by the input's changes.
    const batch = steps > 1 && Number.isInteger(rows / steps) ? rows / steps : 0;
    this.sparseMatmul(this.arena.inMemory(a), this.arena.inMemory(w), this.arena.inMemory(out), rows, inUnits, units, batch);
  }

  denseWeightGrad(a: Float32Array, g: Float32Array, rows: number, inUnits: number, units: number, dw: Float32Array): void {
    // dW = Aᵀ·g over the non-zeros of whichever side costs fewer multiply-adds: A's (Aᵀ explicit,
    // each row of dW a gather of g's rows) or g's (dWᵀ = gᵀ·A, each row a gather of A's rows, then
    // transposed; ε is mostly exact zeros, pooled spikes about half). Either way dW[i, j] is
    // Σ_r A[r, i]·g[r, j] summed in row order by one thread; the two sides skip different terms,
    // all exactly 0 while the values are finite, so they give the same bits.
    const aAt = this.arena.inMemory(a);
    const gAt = this.arena.inMemory(g);
    if (this.nonZeros(aAt, rows, inUnits) * units <= this.nonZeros(gAt, rows, units) * inUnits) {
      const at = this.arena.scratchF32('aT', rows * inUnits);
      this.rt.split('transpose', 2, [aAt, at.byteOffset, 0, rows, rows, inUnits]);
      this.sparseMatmul(at.byteOffset, gAt, this.arena.inMemory(dw), inUnits, rows, units);
      return;
    }
    const gt = this.arena.scratchF32('gT', rows * units);
    this.rt.split('transpose', 2, [gAt, gt.byteOffset, 0, rows, rows, units]);
    const dwT = this.arena.scratchF32('dWT', units * inUnits);
    this.sparseMatmul(gt.byteOffset, aAt, dwT.byteOffset, units, rows, inUnits);
    this.rt.split('transpose', 2, [dwT.byteOffset, this.arena.inMemory(dw), 0, units, units, inUnits]);
  }

  /** How many entries of a [rows, cols] matrix (an address in this memory) are not 0. */
  private nonZeros(a: number, rows: number, cols: number): number {
    const counts = this.arena.scratchF32('row counts', rows);
    this.rt.split('countNonZeros', 1, [a, 0, rows, cols, counts.byteOffset]);
    let sum = 0;
    for (const c of new Int32Array(counts.buffer, counts.byteOffset, rows)) sum += c;
    return sum;
  }

  /**
   * out [m, n] = A [m, k] · B [k, n] for a sparse A (listNonZeros, gatherRows), addresses in this
   * memory; with `batch`, A's rows are one run's (row t·batch + b), listed by their changes where fewer.
   */
  private sparseMatmul(a: number, b: number, out: number, m: number, k: number, n: number, batch = 0): void {
    const lists = this.arena.scratchF32('sparse rows', 2 * m * k);
    const counts = this.arena.scratchF32('sparse counts', m);
    if (batch > 0) this.rt.split('listChanges', 1, [a, 0, m, k, lists.byteOffset, counts.byteOffset, batch]);
    else this.rt.split('listNonZeros', 1, [a, 0, m, k, lists.byteOffset, counts.byteOffset]);
    this.rt.split('gatherRows', 7, [lists.byteOffset, counts.byteOffset, m, k, b, n, out, 0, Math.ceil(n / 4), batch]);
  }

  // Convolutions and pooling: engine/backend/wasm-conv.ts.
  convSpikes(s: SpikeLists, w: Float32Array, geom: ConvGeometry, out: Float32Array): void { convSpikes(this.arena, s, w, geom, out); }
  convSpikesLif(s: SpikeLists, w: Float32Array, geom: ConvGeometry, bias: Float32Array, lif: LifScan, u: Float32Array, spikes: SpikeLists): void {
    convSpikesLif(this.arena, s, w, geom, bias, lif, u, spikes);
  }
  convLifBackward(
    u: Float32Array, g: Float32Array, lif: LifScan, mode: GradMode, s: SpikeLists, geom: ConvGeometry, dw: Float32Array, db: Float32Array,
    pooled?: { g: Float32Array; pool: PoolGeometry },
  ): void {
    convLifBackward(this.arena, u, g, lif, mode, s, geom, dw, db, pooled);
  }
  conv(x: Float32Array, rows: number, w: Float32Array, geom: ConvGeometry, out: Float32Array, steps?: number): void { conv(this.arena, x, rows, w, geom, out, steps); }
  convLif(x: Float32Array, w: Float32Array, geom: ConvGeometry, bias: Float32Array, lif: LifScan, u: Float32Array, spikes: SpikeLists): void {
    if (!convLif(this.arena, x, w, geom, bias, lif, u, spikes)) this.lifForward(u, bias, lif, spikes);
  }
  convBackpropInput(g: Float32Array, w: Float32Array, rows: number, geom: ConvGeometry, out: Float32Array): void { convBackpropInput(this.arena, g, w, rows, geom, out); }
  convSpikesWeightGrad(s: SpikeLists, g: Float32Array, geom: ConvGeometry, dw: Float32Array): void { convSpikesWeightGrad(this.arena, s, g, geom, dw); }
  convWeightGrad(x: Float32Array, g: Float32Array, rows: number, geom: ConvGeometry, dw: Float32Array): void { convWeightGrad(this.arena, x, g, rows, geom, dw); }
  avgPoolSpikes(s: SpikeLists, geom: PoolGeometry, out: Float32Array): void { avgPoolSpikes(this.arena, s, geom, out); }
  avgPool(x: Float32Array, rows: number, geom: PoolGeometry, out: Float32Array): void { avgPool(this.arena, x, rows, geom, out); }
  avgPoolBackprop(g: Float32Array, rows: number, geom: PoolGeometry, out: Float32Array): void { avgPoolBackprop(this.arena, g, rows, geom, out); }

  lifForward(xu: Float32Array, bias: Float32Array, lif: LifScan, spikes: SpikeLists): void {
    this.rt.split('lifForward', 7, [
      this.arena.inMemory(xu), this.arena.inMemory(bias), spikes.idx.byteOffset, spikes.len.byteOffset,
      lif.steps, lif.batch, lif.units, 0, lif.batch, lif.vth, lif.decay,
    ]);
  }

  lifBackward(u: Float32Array, g: Float32Array, lif: LifScan, mode: GradMode): void {
    this.rt.split('lifBackward', 5, [
      this.arena.inMemory(u), this.arena.inMemory(g), lif.steps, lif.batch, lif.units, 0, lif.batch,
      lif.vth, lif.decay, lif.surrogateId, lif.width, mode.resetPath ? 1 : 0, mode.leakPath ? 1 : 0,
    ]);
  }

  channelSums(a: Float32Array, rows: number, channels: number, positions: number, out: Float32Array): void {
    this.rt.split('channelSums', 2, [this.arena.inMemory(a), this.arena.inMemory(out), 0, channels, rows, channels, positions]);
  }

  columnSums(a: Float32Array, rows: number, cols: number, out: Float32Array): void {
    this.rt.split('columnSums', 2, [this.arena.inMemory(a), this.arena.inMemory(out), 0, cols, rows, cols]);
  }

  sgdUpdate(p: Float32Array, g: Float32Array, lr: number): void {
    this.rt.split('sgdUpdate', 2, [this.arena.inMemory(p), this.arena.inMemory(g), 0, p.length, lr]);
  }

  adamUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, lrT: number, beta1: number, beta2: number, epsHat: number): void {
    this.rt.split('adamUpdate', 4, [
      this.arena.inMemory(p), this.arena.inMemory(g), this.arena.inMemory(m), this.arena.inMemory(v), 0, p.length,
      lrT, beta1, 1 - beta1, beta2, 1 - beta2, epsHat,
    ]);
  }

  dispose(): void {
    this.rt.dispose();
  }
}

