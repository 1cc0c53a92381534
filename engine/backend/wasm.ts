import { WasmRuntime, type SpawnKernelThread } from '../wasm/runtime';
import { lanes4, packBackward, packForward, unpackBackward, unpackForward } from './conv-pack';
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
  private scratch = new Map<string, { buf: Float32Array; size: number }>();
  private colLists = new Map<string, ColumnLists>();
  private maps = new Map<string, Int32Array>();

  constructor(threads = 1, spawn?: SpawnKernelThread) {
    this.rt = new WasmRuntime(threads, spawn);
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
    return { ...lists, deltas: { changes: this.rt.i32(2 * rows * cols), changesLen: this.rt.i32(rows) } };
  }

  spikeDeltas(s: SpikeLists): void {
    const d = s.deltas;
    if (!d) return;
    const maps = this.scratchF32('delta maps', Math.ceil((2 * s.cols * this.rt.threads) / 4)).fill(0);
    this.rt.split('spikeDeltas', 3, [
      s.idx.byteOffset, s.start.byteOffset, s.len.byteOffset, 0, s.rows / s.steps, s.steps, s.rows / s.steps,
      d.changes.byteOffset, d.changesLen.byteOffset, s.cols, maps.byteOffset, 0,
    ], 11);
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
    const d = s.deltas;
    if (d && s.steps > 1) {
      // Rate-coded input: each sample's sums follow its spikes' changes (gather-delta.ts).
      const packed = this.scratchF32('packed', 2 * s.cols * Math.ceil(units / 16) * 16);
      this.rt.split('packSigned', 2, [this.inMemory(w), packed.byteOffset, 0, s.cols, s.cols, units]);
      const batch = s.rows / s.steps;
      this.rt.split('gatherDelta', 5, [
        s.idx.byteOffset, s.start.byteOffset, s.len.byteOffset, d.changes.byteOffset, d.changesLen.byteOffset,
        0, batch, s.steps, batch, packed.byteOffset, s.cols, this.inMemory(out), units,
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
    this.rt.split('transposeDeltaLists', 6, [
      s.idx.byteOffset, s.start.byteOffset, s.len.byteOffset, d.changes.byteOffset, d.changesLen.byteOffset,
      s.cols, 0, s.cols, s.steps, batch, plus.len.byteOffset, plus.idx.byteOffset, minus.len.byteOffset, minus.idx.byteOffset, plus.capacity,
    ]);
    const packed = this.scratchF32('packed', s.rows * Math.ceil(units / 16) * 16);
    this.rt.split('packSuffix', 2, [
      this.inMemory(g), packed.byteOffset, 0, batch, s.rows, units, s.steps, batch, s.len.byteOffset, d.changesLen.byteOffset,
    ]);
    this.rt.split('gatherSigned', 5, [
      plus.len.byteOffset, plus.idx.byteOffset, minus.len.byteOffset, minus.idx.byteOffset, plus.capacity, 0, s.cols,
      packed.byteOffset, s.rows, this.inMemory(dw), units,
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
    // ε is mostly exact zeros (the surrogate's window): list each row's non-zeros, then gather.
    this.sparseMatmul(this.inMemory(g), wt.byteOffset, this.inMemory(out), rows, units, inUnits);
  }

  denseMatmul(a: Float32Array, rows: number, inUnits: number, w: Float32Array, units: number, out: Float32Array): void {
    this.sparseMatmul(this.inMemory(a), this.inMemory(w), this.inMemory(out), rows, inUnits, units);
  }

  denseWeightGrad(a: Float32Array, g: Float32Array, rows: number, inUnits: number, units: number, dw: Float32Array): void {
    // dW = Aᵀ·g with Aᵀ explicit: each thread owns whole rows of dW, summed over A's rows in order.
    const at = this.scratchF32('aT', rows * inUnits);
    this.rt.split('transpose', 2, [this.inMemory(a), at.byteOffset, 0, rows, rows, inUnits]);
    this.sparseMatmul(at.byteOffset, this.inMemory(g), this.inMemory(dw), inUnits, rows, units);
  }

  /** out [m, n] = A [m, k] · B [k, n] for a sparse A (listNonZeros, gatherRows), addresses in this memory. */
  private sparseMatmul(a: number, b: number, out: number, m: number, k: number, n: number): void {
    const lists = this.scratchF32('sparse rows', 2 * m * k);
    const counts = this.scratchF32('sparse counts', m);
    this.rt.split('listNonZeros', 1, [a, 0, m, k, lists.byteOffset, counts.byteOffset]);
    this.rt.split('gatherRows', 7, [lists.byteOffset, counts.byteOffset, m, k, b, n, out, 0, Math.ceil(n / GATHER_BLOCK)]);
  }

  // Convolutions: forward passes and ∂L/∂input split rows between threads; the weight gradient of
  // analog input splits filters, each summed over every row in order, and that of spikes sums a
  // fixed number of row ranges added in order: results never depend on the number of threads.
  convSpikes(s: SpikeLists, w: Float32Array, geom: ConvGeometry, out: Float32Array): void {
    const tiles = this.tiles(geom.outH * geom.outW * lanes4(geom.outC));
    const d = s.deltas;
    if (d && s.steps > 1) {
      // Rate-coded input: each sample's tile follows its spikes' changes (conv-delta.ts), removed
      // spikes scattering the negated kernels packed after the kernels.
      const size = geom.inC * geom.kernel * geom.kernel * lanes4(geom.outC);
      const wf = this.scratchF32('wf signed', 2 * size);
      packForward(w, geom, wf);
      for (let i = 0; i < size; i++) wf[size + i] = -wf[i]!;
      const batch = s.rows / s.steps;
      this.rt.split('convSpikesDelta', 5, [
        s.idx.byteOffset, s.start.byteOffset, s.len.byteOffset, d.changes.byteOffset, d.changesLen.byteOffset, 0, batch, s.steps, batch,
        ...convArgs(geom), wf.byteOffset, this.inMemory(out), tiles.byteOffset, 0,
      ], 21);
      return;
    }
    const wf = this.packedWeights(w, geom, 'forward');
    this.rt.split('convSpikes', 3, [
      s.idx.byteOffset, s.start.byteOffset, s.len.byteOffset, 0, s.rows, ...convArgs(geom),
      wf.byteOffset, this.inMemory(out), tiles.byteOffset, 0,
    ], 17);
  }

  conv(x: Float32Array, rows: number, w: Float32Array, geom: ConvGeometry, out: Float32Array): void {
    if (geom.stride === 1) {
      // Four input channels per tile read and write (conv-channels.ts); W packed with a zero slice after.
      const taps = geom.kernel * geom.kernel;
      const fp = lanes4(geom.outC);
      const cp = lanes4(geom.inC);
      const wf = this.scratchF32('wf zero', (geom.inC + 1) * taps * fp);
      packForward(w, geom, wf);
      wf.fill(0, geom.inC * taps * fp);
      const tiles = this.tiles(geom.outH * geom.outW * fp + geom.inH * geom.inW * cp + 2 * cp);
      this.rt.split('convByPosition', 1, [
        this.inMemory(x), 0, rows, geom.inC, geom.inH, geom.inW, geom.outC, geom.outH, geom.outW, geom.kernel, geom.pad,
        wf.byteOffset, this.inMemory(out), tiles.byteOffset, 0,
      ], 14);
      return;
    }
    const wf = this.packedWeights(w, geom, 'forward');
    const tiles = this.tiles(geom.outH * geom.outW * lanes4(geom.outC));
    this.rt.split('convDense', 1, [this.inMemory(x), 0, rows, ...convArgs(geom), wf.byteOffset, this.inMemory(out), tiles.byteOffset, 0], 15);
  }

  convBackpropInput(g: Float32Array, w: Float32Array, rows: number, geom: ConvGeometry, out: Float32Array): void {
    if (geom.stride === 1) {
      // Four filters per tile read and write (conv-channels.ts); W packed with a zero slice after.
      const taps = geom.kernel * geom.kernel;
      const fp = lanes4(geom.outC);
      const cp = lanes4(geom.inC);
      const wb = this.scratchF32('wb zero', (geom.outC + 1) * taps * cp);
      packBackward(w, geom, wb);
      wb.fill(0, geom.outC * taps * cp);
      const tiles = this.tiles(geom.inH * geom.inW * cp + geom.outH * geom.outW * fp + 2 * fp);
      this.rt.split('convBackByPosition', 1, [
        this.inMemory(g), 0, rows, geom.inC, geom.inH, geom.inW, geom.outC, geom.outH, geom.outW, geom.kernel, geom.pad,
        wb.byteOffset, this.inMemory(out), tiles.byteOffset, 0,
      ], 14);
      return;
    }
    const wb = this.packedWeights(w, geom, 'backward');
    const tiles = this.tiles(geom.inH * geom.inW * lanes4(geom.inC));
    this.rt.split('convBackInput', 1, [this.inMemory(g), 0, rows, ...convArgs(geom), wb.byteOffset, this.inMemory(out), tiles.byteOffset, 0], 15);
  }

  convSpikesWeightGrad(s: SpikeLists, g: Float32Array, geom: ConvGeometry, dw: Float32Array): void {
    // Partial sums over a fixed number of row (or sample) ranges, whatever the number of threads.
    const fp = lanes4(geom.outC);
    const dwf = this.scratchF32('dwf', SPIKE_GRAD_CHUNKS * geom.inC * geom.kernel * geom.kernel * fp);
    const d = s.deltas;
    if (d && s.steps > 1) {
      const tiles = this.tiles(2 * geom.outH * geom.outW * fp);
      this.rt.split('convSpikesWeightGradDelta', 7, [
        s.idx.byteOffset, s.start.byteOffset, s.len.byteOffset, d.changes.byteOffset, d.changesLen.byteOffset, s.steps, s.rows / s.steps,
        0, SPIKE_GRAD_CHUNKS, SPIKE_GRAD_CHUNKS, ...convArgs(geom), this.inMemory(g), dwf.byteOffset, tiles.byteOffset, 0,
      ], 22);
      unpackForward(dwf, geom, dw, SPIKE_GRAD_CHUNKS);
      return;
    }
    const tiles = this.tiles(geom.outH * geom.outW * fp);
    this.rt.split('convSpikesWeightGrad', 4, [
      s.idx.byteOffset, s.start.byteOffset, s.len.byteOffset, s.rows, 0, SPIKE_GRAD_CHUNKS, SPIKE_GRAD_CHUNKS, ...convArgs(geom),
      this.inMemory(g), dwf.byteOffset, tiles.byteOffset, 0,
    ], 19);
    unpackForward(dwf, geom, dw, SPIKE_GRAD_CHUNKS);
  }

  convWeightGrad(x: Float32Array, g: Float32Array, rows: number, geom: ConvGeometry, dw: Float32Array): void {
    const cp = lanes4(geom.inC);
    const dwb = this.scratchF32('dwb', geom.outC * geom.kernel * geom.kernel * cp);
    if (geom.pad === 0) {
      // Sums in registers over blocks of CONV_GRAD_BLOCK rows (conv-grad.ts), valid convolutions.
      const tiles = this.tiles(CONV_GRAD_BLOCK * geom.inH * geom.inW * cp);
      const lists = this.scratchF32('grad lists', this.rt.threads * CONV_GRAD_BLOCK * geom.outC * (2 * geom.outH * geom.outW + 1));
      this.rt.split('convWeightGradRegs', 2, [
        this.inMemory(x), rows, 0, geom.outC, ...convArgs(geom).slice(0, 8), this.inMemory(g), dwb.byteOffset, tiles.byteOffset, lists.byteOffset, 0,
      ], 16);
      unpackBackward(dwb, geom, dw);
      return;
    }
    const tiles = this.tiles(geom.inH * geom.inW * cp);
    this.rt.split('convDenseWeightGrad', 2, [
      this.inMemory(x), rows, 0, geom.outC, ...convArgs(geom), this.inMemory(g), dwb.byteOffset, tiles.byteOffset, 0,
    ], 16);
    unpackBackward(dwb, geom, dw);
  }

  avgPoolSpikes(s: SpikeLists, geom: PoolGeometry, out: Float32Array): void {
    this.rt.split('poolSpikes', 3, [
      s.idx.byteOffset, s.start.byteOffset, s.len.byteOffset, 0, s.rows, ...poolArgs(geom), this.inMemory(out), this.windowMap(geom),
    ]);
  }

  /** For non-overlapping windows, each input unit's window (−1: none); 0 (no map) otherwise. */
  private windowMap(g: PoolGeometry): number {
    if (g.kernel > g.stride) return 0;
    const key = `pool ${poolArgs(g).join(' ')}`;
    let map = this.maps.get(key);
    if (!map) {
      map = this.rt.i32(g.channels * g.inH * g.inW).fill(-1);
      for (let c = 0; c < g.channels; c++) {
        for (let y = 0; y < Math.min(g.inH, g.outH * g.stride); y++) {
          for (let x = 0; x < Math.min(g.inW, g.outW * g.stride); x++) {
            const [oy, ox] = [Math.floor(y / g.stride), Math.floor(x / g.stride)];
            if (y - oy * g.stride < g.kernel && x - ox * g.stride < g.kernel) {
              map[(c * g.inH + y) * g.inW + x] = (c * g.outH + oy) * g.outW + ox;
            }
          }
        }
      }
      this.maps.set(key, map);
    }
    return map.byteOffset;
  }

  avgPool(x: Float32Array, rows: number, geom: PoolGeometry, out: Float32Array): void {
    this.rt.split('poolDense', 1, [this.inMemory(x), 0, rows, ...poolArgs(geom), this.inMemory(out)]);
  }

  avgPoolBackprop(g: Float32Array, rows: number, geom: PoolGeometry, out: Float32Array): void {
    this.rt.split('poolBack', 1, [this.inMemory(g), 0, rows, ...poolArgs(geom), this.inMemory(out)]);
  }

  /** W repacked for the conv kernels (engine/backend/conv-pack.ts), in scratch memory. */
  private packedWeights(w: Float32Array, geom: ConvGeometry, layout: 'forward' | 'backward'): Float32Array {
    const taps = geom.kernel * geom.kernel;
    if (layout === 'forward') {
      const wf = this.scratchF32('wf', geom.inC * taps * lanes4(geom.outC));
      packForward(w, geom, wf);
      return wf;
    }
    const wb = this.scratchF32('wb', geom.outC * taps * lanes4(geom.inC));
    packBackward(w, geom, wb);
    return wb;
  }

  /** One scratch tile of `floats` per thread. */
  private tiles(floats: number): Float32Array {
    return this.scratchF32('tiles', floats * this.rt.threads);
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

  channelSums(a: Float32Array, rows: number, channels: number, positions: number, out: Float32Array): void {
    this.rt.split('channelSums', 2, [this.inMemory(a), this.inMemory(out), 0, channels, rows, channels, positions]);
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

/** Rows per block of convWeightGradRegs (engine/wasm/assembly/conv-grad.ts BLOCK). */
const CONV_GRAD_BLOCK = 4;

/** Columns per block of the kernel gatherRows (engine/wasm/assembly/matmul.ts). */
const GATHER_BLOCK = 24;

/** Row ranges of the event-driven conv weight gradient: its partial sums, split between threads. */
const SPIKE_GRAD_CHUNKS = 8;

function convArgs(g: ConvGeometry): number[] {
  return [g.inC, g.inH, g.inW, g.outC, g.outH, g.outW, g.kernel, g.stride, g.pad];
}

function poolArgs(g: PoolGeometry): number[] {
  return [g.channels, g.inH, g.inW, g.outH, g.outW, g.kernel, g.stride];
}
