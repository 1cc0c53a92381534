import { lanes4, packBackward, packForward, unpackBackward, unpackForward } from './conv-pack';
import type { ConvGeometry, GradMode, LifScan, PoolGeometry, SpikeDeltas, SpikeLists } from './types';
import type { WasmArena } from './wasm-arena';

// The WASM backend's convolutions and pooling (engine/backend/wasm.ts delegates here). Forward
// passes and ∂L/∂input split rows between threads (every parts-th row where a row's cost drifts
// with its time step; whole samples where a sample's steps are summed from each other by their
// input's changes); the weight gradient of analog input splits
// filters, each summed over every row in order, and that of spikes sums a fixed number of row (or
// sample) ranges added in order: results never depend on the number of threads.

/** Rows per block of convWeightGradRegs (engine/wasm/assembly/conv-grad.ts BLOCK). */
const CONV_GRAD_BLOCK = 4;

/** Row (or sample) ranges of the event-driven conv weight gradient: its partial sums, split between threads. */
const SPIKE_GRAD_CHUNKS = 8;

function convArgs(g: ConvGeometry): number[] {
  return [g.inC, g.inH, g.inW, g.outC, g.outH, g.outW, g.kernel, g.stride, g.pad];
}

function poolArgs(g: PoolGeometry): number[] {
  return [g.channels, g.inH, g.inW, g.outH, g.outW, g.kernel, g.stride];
}

export function convSpikes(a: WasmArena, s: SpikeLists, w: Float32Array, geom: ConvGeometry, out: Float32Array): void {
  if (s.deltas && s.steps > 1) {
    convSpikesByChanges(a, s, s.deltas, w, geom, out, [0, 0, 0, 0, 0]);
    return;
  }
  const tiles = a.tiles(geom.outH * geom.outW * lanes4(geom.outC));
  const wf = packedWeights(a, w, geom, 'forward');
  a.rt.split('convSpikes', 3, [
    s.idx.byteOffset, s.start.byteOffset, s.len.byteOffset, 0, s.rows, ...convArgs(geom),
    wf.byteOffset, a.inMemory(out), tiles.byteOffset, 0,
  ], 17);
}

/** convSpikes then lifForward on its output in one pass (Kernels.convSpikesLif), for input with deltas. */
export function convSpikesLif(
  a: WasmArena, s: SpikeLists, w: Float32Array, geom: ConvGeometry, bias: Float32Array, lif: LifScan, u: Float32Array, spikes: SpikeLists,
): void {
  if (!s.deltas || s.steps < 2) throw new Error('convSpikesLif: the input needs SpikeDeltas and more than one step');
  convSpikesByChanges(a, s, s.deltas, w, geom, u, [a.inMemory(bias), lif.vth, lif.decay, spikes.idx.byteOffset, spikes.len.byteOffset]);
}

/**
 * Rate-coded input: each sample's tile follows its spikes' changes (conv-delta.ts), removed
 * spikes scattering the negated kernels packed after the kernels; `lif` (bias address, vth,
 * decay, spike lists, counts; zeros: none) runs the LIF scan on each row as it is made.
 */
function convSpikesByChanges(a: WasmArena, s: SpikeLists, d: SpikeDeltas, w: Float32Array, geom: ConvGeometry, out: Float32Array, lif: number[]): void {
  const tiles = a.tiles(geom.outH * geom.outW * lanes4(geom.outC));
  const size = geom.inC * geom.kernel * geom.kernel * lanes4(geom.outC);
  const wf = a.scratchF32('wf signed', 2 * size);
  packForward(w, geom, wf);
  for (let i = 0; i < size; i++) wf[size + i] = -wf[i]!;
  const batch = s.rows / s.steps;
  a.rt.split('convSpikesDelta', 6, [
    s.idx.byteOffset, s.start.byteOffset, s.len.byteOffset, d.changes.byteOffset, d.changesLen.byteOffset, d.changesAt.byteOffset,
    0, batch, s.steps, batch, ...convArgs(geom), wf.byteOffset, a.inMemory(out), tiles.byteOffset, 0, ...lif,
  ], 22);
}

/**
 * conv then lifForward on its output in one pass where conv sums by changes (Kernels.convLif);
 * false when it cannot (a stride, one step, fewer samples than threads): the caller runs the scan.
 */
export function convLif(
  a: WasmArena, x: Float32Array, w: Float32Array, geom: ConvGeometry, bias: Float32Array, lif: LifScan, u: Float32Array, spikes: SpikeLists,
): boolean {
  return conv(a, x, lif.steps * lif.batch, w, geom, u, lif.steps, [a.inMemory(bias), lif.vth, lif.decay, spikes.idx.byteOffset, spikes.len.byteOffset]);
}

/** Kernels.conv; with `lif` (as convByPositionDelta takes it) the LIF scan too where it can: returns whether it ran. */
export function conv(a: WasmArena, x: Float32Array, rows: number, w: Float32Array, geom: ConvGeometry, out: Float32Array, steps = 1, lif?: number[]): boolean {
  if (geom.stride === 1) {
    // Four input channels per tile read and write (conv-channels.ts); W packed with a zero slice after.
    const taps = geom.kernel * geom.kernel;
    const fp = lanes4(geom.outC);
    const cp = lanes4(geom.inC);
    const wf = a.scratchF32('wf zero', (geom.inC + 1) * taps * fp);
    packForward(w, geom, wf);
    wf.fill(0, geom.inC * taps * fp);
    // conv-channels.ts convScratch: the output tile, three input tiles, the pairs.
    const tiles = a.tiles(geom.outH * geom.outW * fp + 3 * geom.inH * geom.inW * cp + 2 * cp);
    const batch = rows / steps;
    const shape = [geom.inC, geom.inH, geom.inW, geom.outC, geom.outH, geom.outW, geom.kernel, geom.pad, wf.byteOffset, a.inMemory(out), tiles.byteOffset, 0];
    if (steps > 1 && Number.isInteger(batch) && batch >= a.rt.threads) {
      // A sample's steps in order on one thread, each from the last by the input's changes.
      a.rt.split('convByPositionDelta', 1, [a.inMemory(x), 0, batch, steps, batch, ...shape, ...(lif ?? [0, 0, 0, 0, 0])], 16);
      return lif !== undefined;
    }
    a.rt.splitStrided('convByPosition', 1, 3, [a.inMemory(x), 0, rows, 1, ...shape], 15);
    return false;
  }
  const wf = packedWeights(a, w, geom, 'forward');
  const tiles = a.tiles(geom.outH * geom.outW * lanes4(geom.outC));
  a.rt.split('convDense', 1, [a.inMemory(x), 0, rows, ...convArgs(geom), wf.byteOffset, a.inMemory(out), tiles.byteOffset, 0], 15);
  return false;
}

export function convBackpropInput(a: WasmArena, g: Float32Array, w: Float32Array, rows: number, geom: ConvGeometry, out: Float32Array): void {
  if (geom.stride === 1) {
    // Four filters per tile read and write (conv-channels.ts); W packed with a zero slice after.
    const taps = geom.kernel * geom.kernel;
    const fp = lanes4(geom.outC);
    const cp = lanes4(geom.inC);
    const wb = a.scratchF32('wb zero', (geom.outC + 1) * taps * cp);
    packBackward(w, geom, wb);
    wb.fill(0, geom.outC * taps * cp);
    const tiles = a.tiles(geom.inH * geom.inW * cp + geom.outH * geom.outW * fp + 3 * fp);
    a.rt.splitStrided('convBackByPosition', 1, 3, [
      a.inMemory(g), 0, rows, 1, geom.inC, geom.inH, geom.inW, geom.outC, geom.outH, geom.outW, geom.kernel, geom.pad,
      wb.byteOffset, a.inMemory(out), tiles.byteOffset, 0,
    ], 15);
    return;
  }
  const wb = packedWeights(a, w, geom, 'backward');
  const tiles = a.tiles(geom.inH * geom.inW * lanes4(geom.inC));
  a.rt.split('convBackInput', 1, [a.inMemory(g), 0, rows, ...convArgs(geom), wb.byteOffset, a.inMemory(out), tiles.byteOffset, 0], 15);
}

export function convSpikesWeightGrad(a: WasmArena, s: SpikeLists, g: Float32Array, geom: ConvGeometry, dw: Float32Array): void {
  // Partial sums over a fixed number of row (or sample) ranges, whatever the number of threads.
  const fp = lanes4(geom.outC);
  const dwf = a.scratchF32('dwf', SPIKE_GRAD_CHUNKS * geom.inC * geom.kernel * geom.kernel * fp);
  const d = s.deltas;
  if (d && s.steps > 1) {
    const tiles = a.tiles(2 * geom.outH * geom.outW * fp);
    a.rt.split('convSpikesWeightGradDelta', 8, [
      s.idx.byteOffset, s.start.byteOffset, s.len.byteOffset, d.changes.byteOffset, d.changesLen.byteOffset, d.changesAt.byteOffset,
      s.steps, s.rows / s.steps, 0, SPIKE_GRAD_CHUNKS, SPIKE_GRAD_CHUNKS, ...convArgs(geom), a.inMemory(g), dwf.byteOffset, tiles.byteOffset, 0,
    ], 23);
    unpackForward(dwf, geom, dw, SPIKE_GRAD_CHUNKS);
    return;
  }
  const tiles = a.tiles(geom.outH * geom.outW * fp);
  a.rt.split('convSpikesWeightGrad', 4, [
    s.idx.byteOffset, s.start.byteOffset, s.len.byteOffset, s.rows, 0, SPIKE_GRAD_CHUNKS, SPIKE_GRAD_CHUNKS, ...convArgs(geom),
    a.inMemory(g), dwf.byteOffset, tiles.byteOffset, 0,
  ], 19);
  unpackForward(dwf, geom, dw, SPIKE_GRAD_CHUNKS);
}

/**
 * lifBackward, the bias gradient and convSpikesWeightGrad of a conv LIF layer fed rate-coded
 * spikes, in one pass (Kernels.convLifBackward): partial sums over fixed sample ranges, added in
 * order, whatever the number of threads.
 */
export function convLifBackward(
  a: WasmArena, u: Float32Array, g: Float32Array, lif: LifScan, mode: GradMode, s: SpikeLists, geom: ConvGeometry, dw: Float32Array, db: Float32Array,
  pooled?: { g: Float32Array; pool: PoolGeometry },
): void {
  const d = s.deltas;
  if (!d || s.steps < 2) throw new Error('convLifBackward: the input needs SpikeDeltas and more than one step');
  const p = pooled?.pool;
  if (p && (p.kernel > p.stride || p.channels !== geom.outC || p.inH !== geom.outH || p.inW !== geom.outW)) {
    throw new Error('convLifBackward: the pooling above must take this layer\'s maps in windows that do not overlap');
  }
  const fp = lanes4(geom.outC);
  const dwf = a.scratchF32('dwf', SPIKE_GRAD_CHUNKS * geom.inC * geom.kernel * geom.kernel * fp);
  const dbp = a.scratchF32('dbp', SPIKE_GRAD_CHUNKS * geom.outC);
  // Per thread: two tiles, then two rows of g spread from the pooling above.
  const tiles = a.tiles(2 * geom.outH * geom.outW * fp + 2 * geom.outC * geom.outH * geom.outW);
  a.rt.split('convLifBackwardDelta', 10, [
    a.inMemory(u), a.inMemory(g), s.idx.byteOffset, s.start.byteOffset, s.len.byteOffset,
    d.changes.byteOffset, d.changesLen.byteOffset, d.changesAt.byteOffset, s.steps, s.rows / s.steps,
    0, SPIKE_GRAD_CHUNKS, SPIKE_GRAD_CHUNKS, ...convArgs(geom), dwf.byteOffset, dbp.byteOffset, tiles.byteOffset, 0,
    lif.vth, lif.decay, lif.surrogateId, lif.width, mode.resetPath ? 1 : 0, mode.leakPath ? 1 : 0,
    pooled ? a.inMemory(pooled.g) : 0, p?.kernel ?? 0, p?.stride ?? 0, p?.outH ?? 0, p?.outW ?? 0,
  ], 25);
  unpackForward(dwf, geom, dw, SPIKE_GRAD_CHUNKS);
  for (let c = 0; c < geom.outC; c++) {
    let sum = 0;
    for (let j = 0; j < SPIKE_GRAD_CHUNKS; j++) sum += dbp[j * geom.outC + c]!;
    db[c] = sum;
  }
}

export function convWeightGrad(a: WasmArena, x: Float32Array, g: Float32Array, rows: number, geom: ConvGeometry, dw: Float32Array): void {
  const cp = lanes4(geom.inC);
  const dwb = a.scratchF32('dwb', geom.outC * geom.kernel * geom.kernel * cp);
  if (geom.pad === 0) {
    // Sums in registers over blocks of CONV_GRAD_BLOCK rows (conv-grad.ts), valid convolutions.
    const tiles = a.tiles(CONV_GRAD_BLOCK * geom.inH * geom.inW * cp);
    const lists = a.scratchF32('grad lists', a.rt.threads * CONV_GRAD_BLOCK * geom.outC * (2 * geom.outH * geom.outW + 1));
    a.rt.split('convWeightGradRegs', 2, [
      a.inMemory(x), rows, 0, geom.outC, ...convArgs(geom).slice(0, 8), a.inMemory(g), dwb.byteOffset, tiles.byteOffset, lists.byteOffset, 0,
    ], 16);
    unpackBackward(dwb, geom, dw);
    return;
  }
  const tiles = a.tiles(geom.inH * geom.inW * cp);
  a.rt.split('convDenseWeightGrad', 2, [
    a.inMemory(x), rows, 0, geom.outC, ...convArgs(geom), a.inMemory(g), dwb.byteOffset, tiles.byteOffset, 0,
  ], 16);
  unpackBackward(dwb, geom, dw);
}

export function avgPoolSpikes(a: WasmArena, s: SpikeLists, geom: PoolGeometry, out: Float32Array): void {
  a.rt.split('poolSpikes', 3, [
    s.idx.byteOffset, s.start.byteOffset, s.len.byteOffset, 0, s.rows, ...poolArgs(geom), a.inMemory(out), windowMap(a, geom),
  ]);
}

/** For non-overlapping windows, each input unit's window (−1: none); 0 (no map) otherwise. */
function windowMap(a: WasmArena, g: PoolGeometry): number {
  if (g.kernel > g.stride) return 0;
  const key = `pool ${poolArgs(g).join(' ')}`;
  let map = a.maps.get(key);
  if (!map) {
    map = a.rt.i32(g.channels * g.inH * g.inW).fill(-1);
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
    a.maps.set(key, map);
  }
  return map.byteOffset;
}

export function avgPool(a: WasmArena, x: Float32Array, rows: number, geom: PoolGeometry, out: Float32Array): void {
  a.rt.split('poolDense', 1, [a.inMemory(x), 0, rows, ...poolArgs(geom), a.inMemory(out)]);
}

export function avgPoolBackprop(a: WasmArena, g: Float32Array, rows: number, geom: PoolGeometry, out: Float32Array): void {
  a.rt.split('poolBack', 1, [a.inMemory(g), 0, rows, ...poolArgs(geom), a.inMemory(out)]);
}

/** W repacked for the conv kernels (engine/backend/conv-pack.ts), in scratch memory. */
function packedWeights(a: WasmArena, w: Float32Array, geom: ConvGeometry, layout: 'forward' | 'backward'): Float32Array {
  const taps = geom.kernel * geom.kernel;
  if (layout === 'forward') {
    const wf = a.scratchF32('wf', geom.inC * taps * lanes4(geom.outC));
    packForward(w, geom, wf);
    return wf;
  }
  const wb = a.scratchF32('wb', geom.outC * taps * lanes4(geom.inC));
  packBackward(w, geom, wb);
  return wb;
}
