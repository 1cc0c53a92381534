import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeKernels } from '../../../engine/backend/backends-node';
import type { ConvGeometry, Kernels, PoolGeometry } from '../../../engine/backend/types';
import { Rng } from '../../../engine/rng';
import { NODE_BACKENDS, firstBitDifference } from './node-backends';
import { relErr } from '../../helpers/compare';
import { pooledRun, randomF32, rateCodedSpikes, toLists } from '../../helpers/kernel-data';
import {
  avgPoolBackpropRef, avgPoolRef, convBackpropInputRef, convRef, convWeightGradRef, outSize,
} from '../../helpers/conv-reference';

/**
 * Convolution, pooling and analog-input dense kernels against the dense reference loops of
 * test/helpers/conv-reference.ts. Geometries cover padding, stride 2 with leftover rows, even and
 * 1×1 kernels, one and several input channels, and output channels off the 4-lane grid (17).
 * Rows are 3 steps × 5 samples, time-major, with one empty and one all-ones row of spikes.
 */
const STEPS = 3;
const BATCH = 5;
const ROWS = STEPS * BATCH;
const EMPTY_ROW = 2;
const FULL_ROW = 7;

function conv(inC: number, inH: number, inW: number, outC: number, kernel: number, stride: number, pad: number): ConvGeometry {
  return { inC, inH, inW, outC, kernel, stride, pad, outH: outSize(inH, kernel, stride, pad), outW: outSize(inW, kernel, stride, pad) };
}
function pool(channels: number, inH: number, inW: number, kernel: number, stride: number): PoolGeometry {
  return { channels, inH, inW, kernel, stride, outH: outSize(inH, kernel, stride), outW: outSize(inW, kernel, stride) };
}

const CONVS: [string, ConvGeometry][] = [
  ['1→3 channels, 8×8, k3, stride 1, pad 1', conv(1, 8, 8, 3, 3, 1, 1)],
  ['3→5 channels, 9×7, k3, stride 2, pad 1', conv(3, 9, 7, 5, 3, 2, 1)],
  ['2→17 channels, 12×12, k5, valid', conv(2, 12, 12, 17, 5, 1, 0)],
  ['6→10 channels, 11×10, k4, stride 2, pad 0 (a row and column left over)', conv(6, 11, 10, 10, 4, 2, 0)],
  ['4→6 channels, 5×5, k1', conv(4, 5, 5, 6, 1, 1, 0)],
  ['2→3 channels, 4×4, k5, pad 2 (a kernel larger than the map)', conv(2, 4, 4, 3, 5, 1, 2)],
  ['15→40 channels, 12×12, k5 (the Table V net\'s second convolution)', conv(15, 12, 12, 40, 5, 1, 0)],
];
const POOLS: [string, PoolGeometry][] = [
  ['3 channels, 8×8, 2×2 stride 2', pool(3, 8, 8, 2, 2)],
  ['2 channels, 7×9, 2×2 stride 2 (last row and column in no window)', pool(2, 7, 9, 2, 2)],
  ['2 channels, 9×9, 3×3 stride 2 (overlapping windows)', pool(2, 9, 9, 3, 2)],
  ['1 channel, 6×6, 3×3 stride 3', pool(1, 6, 6, 3, 3)],
  ['2 channels, 7×5, 1×1 stride 3 (gaps between windows)', pool(2, 7, 5, 1, 3)],
];

const inSizeOf = (g: ConvGeometry | PoolGeometry) => ('inC' in g ? g.inC : g.channels) * g.inH * g.inW;
const outSizeOf = (g: ConvGeometry | PoolGeometry) => ('outC' in g ? g.outC : g.channels) * g.outH * g.outW;

/** Random 0/1 [ROWS, n], density ~20%, with one empty and one full row. */
function randomSpikes(rng: Rng, n: number): Uint8Array {
  const s = new Uint8Array(ROWS * n);
  for (let r = 0; r < ROWS; r++) {
    for (let i = 0; i < n; i++) s[r * n + i] = r === FULL_ROW || (r !== EMPTY_ROW && rng.uniform() < 0.2) ? 1 : 0;
  }
  return s;
}

/** An output buffer that must be fully written: NaN anywhere left shows. */
function nanF32(k: Kernels, n: number): Float32Array {
  return k.allocF32(n).fill(NaN);
}

describe.each(NODE_BACKENDS)('%s convolution and pooling kernels vs dense loops', (name, make) => {
  let k: Kernels;
  beforeAll(async () => {
    k = await make();
  });
  afterAll(() => k.dispose());

  it.each(CONVS)('convSpikes: event-driven forward, %s', (_g, g) => {
    const rng = new Rng(1);
    const dense = randomSpikes(rng, inSizeOf(g));
    const w = randomF32(k, g.outC * g.inC * g.kernel ** 2, rng);
    const out = nanF32(k, ROWS * outSizeOf(g));
    k.convSpikes(toLists(k, dense, STEPS, BATCH, inSizeOf(g)), w, g, out);
    expect(relErr(out, convRef(dense, ROWS, w, g))).toBeLessThanOrEqual(1e-6);
    expect(out.subarray(EMPTY_ROW * outSizeOf(g), (EMPTY_ROW + 1) * outSizeOf(g)).every((v) => v === 0)).toBe(true);
  });

  it.each(CONVS)('convSpikes and convSpikesWeightGrad of rate-coded rows, by their changes, %s', (_g, g) => {
    const rng = new Rng(11);
    const dense = rateCodedSpikes(rng, STEPS, BATCH, inSizeOf(g), [3]); // sample 3: more changes than spikes
    const lists = toLists(k, dense, STEPS, BATCH, inSizeOf(g), true);
    const w = randomF32(k, g.outC * g.inC * g.kernel ** 2, rng);
    const out = nanF32(k, ROWS * outSizeOf(g));
    k.convSpikes(lists, w, g, out);
    expect(relErr(out, convRef(dense, ROWS, w, g))).toBeLessThanOrEqual(1e-6);
    const grad = randomF32(k, ROWS * outSizeOf(g), rng, 0.3);
    const dw = nanF32(k, g.outC * g.inC * g.kernel ** 2);
    k.convSpikesWeightGrad(lists, grad, g, dw);
    expect(relErr(dw, convWeightGradRef(dense, grad, ROWS, g))).toBeLessThanOrEqual(1e-6);
  });

  it.each(CONVS)('conv: analog input with exact zeros, %s', (_g, g) => {
    const rng = new Rng(2);
    const x = randomF32(k, ROWS * inSizeOf(g), rng, 0.5);
    const w = randomF32(k, g.outC * g.inC * g.kernel ** 2, rng);
    const out = nanF32(k, ROWS * outSizeOf(g));
    k.conv(x, ROWS, w, g, out);
    expect(relErr(out, convRef(x, ROWS, w, g))).toBeLessThanOrEqual(1e-6);
  });

  it.each(CONVS)('conv of one run\'s pooled spikes, each step from the last by their changes, %s', (_g, g) => {
    const rng = new Rng(12);
    const x = pooledRun(k, rng, STEPS, BATCH, inSizeOf(g), [3]); // sample 3: more changes than values (summed afresh)
    x.fill(0, EMPTY_ROW * inSizeOf(g), (EMPTY_ROW + 1) * inSizeOf(g));
    const w = randomF32(k, g.outC * g.inC * g.kernel ** 2, rng);
    const out = nanF32(k, ROWS * outSizeOf(g));
    k.conv(x, ROWS, w, g, out, STEPS);
    expect(relErr(out, convRef(x, ROWS, w, g))).toBeLessThanOrEqual(1e-6);
    expect(out.subarray(EMPTY_ROW * outSizeOf(g), (EMPTY_ROW + 1) * outSizeOf(g)).every((v) => v === 0), 'a step with no input').toBe(true);
    // Values whose differences round: the sums carry that rounding from step to step, no more.
    const y = randomF32(k, ROWS * inSizeOf(g), rng, 0.5);
    for (let i = BATCH * inSizeOf(g); i < y.length; i++) if (rng.uniform() < 0.7) y[i] = y[i - BATCH * inSizeOf(g)]!;
    k.conv(y, ROWS, w, g, out, STEPS);
    expect(relErr(out, convRef(y, ROWS, w, g))).toBeLessThanOrEqual(1e-6);
  });

  it.each(CONVS)('convSpikesWeightGrad: dW from input spikes, %s', (_g, g) => {
    const rng = new Rng(3);
    const dense = randomSpikes(rng, inSizeOf(g));
    const grad = randomF32(k, ROWS * outSizeOf(g), rng, 0.3);
    const dw = nanF32(k, g.outC * g.inC * g.kernel ** 2);
    k.convSpikesWeightGrad(toLists(k, dense, STEPS, BATCH, inSizeOf(g)), grad, g, dw);
    expect(relErr(dw, convWeightGradRef(dense, grad, ROWS, g))).toBeLessThanOrEqual(1e-6);
  });

  it.each(CONVS)('convWeightGrad: dW from analog input, %s', (_g, g) => {
    const rng = new Rng(4);
    const x = randomF32(k, ROWS * inSizeOf(g), rng, 0.5);
    const grad = randomF32(k, ROWS * outSizeOf(g), rng, 0.3);
    const dw = nanF32(k, g.outC * g.inC * g.kernel ** 2);
    k.convWeightGrad(x, grad, ROWS, g, dw);
    expect(relErr(dw, convWeightGradRef(x, grad, ROWS, g))).toBeLessThanOrEqual(1e-6);
  });

  it.each(CONVS)('convBackpropInput: the transposed convolution, %s', (_g, g) => {
    const rng = new Rng(5);
    const grad = randomF32(k, ROWS * outSizeOf(g), rng, 0.3);
    const w = randomF32(k, g.outC * g.inC * g.kernel ** 2, rng);
    const out = nanF32(k, ROWS * inSizeOf(g));
    k.convBackpropInput(grad, w, ROWS, g, out);
    expect(relErr(out, convBackpropInputRef(grad, w, ROWS, g))).toBeLessThanOrEqual(1e-6);
  });

  it.each(POOLS)('avgPoolSpikes and avgPool: %s', (_p, p) => {
    const rng = new Rng(6);
    const dense = randomSpikes(rng, inSizeOf(p));
    const fromSpikes = nanF32(k, ROWS * outSizeOf(p));
    k.avgPoolSpikes(toLists(k, dense, STEPS, BATCH, inSizeOf(p)), p, fromSpikes);
    expect(relErr(fromSpikes, avgPoolRef(dense, ROWS, p))).toBeLessThanOrEqual(1e-6);
    const x = randomF32(k, ROWS * inSizeOf(p), rng, 0.3);
    const fromValues = nanF32(k, ROWS * outSizeOf(p));
    k.avgPool(x, ROWS, p, fromValues);
    expect(relErr(fromValues, avgPoolRef(x, ROWS, p))).toBeLessThanOrEqual(1e-6);
  });

  it.each(POOLS)('avgPoolBackprop: %s', (_p, p) => {
    const rng = new Rng(7);
    const grad = randomF32(k, ROWS * outSizeOf(p), rng);
    const out = nanF32(k, ROWS * inSizeOf(p));
    k.avgPoolBackprop(grad, ROWS, p, out);
    expect(relErr(out, avgPoolBackpropRef(grad, ROWS, p))).toBeLessThanOrEqual(1e-6);
  });

  it.each([[3, 64], [17, 5], [40, 576]])('channelSums: a conv layer\'s bias gradient, %i channels × %i positions', (channels, positions) => {
    const rng = new Rng(9 + channels);
    const a = randomF32(k, ROWS * channels * positions, rng, 0.3);
    const out = nanF32(k, channels);
    k.channelSums(a, ROWS, channels, positions, out);
    const ref = new Float64Array(channels);
    for (let i = 0; i < a.length; i++) ref[Math.floor(i / positions) % channels] += a[i];
    expect(relErr(out, ref)).toBeLessThanOrEqual(1e-6);
  });

  it.each([10, 45, 300])('denseMatmul and denseWeightGrad: analog A with exact zeros, %i units', (units) => {
    const rng = new Rng(8 + units);
    const inUnits = 71;
    const a = randomF32(k, ROWS * inUnits, rng, 0.6);
    const w = randomF32(k, inUnits * units, rng);
    const grad = randomF32(k, ROWS * units, rng, 0.3);
    const out = nanF32(k, ROWS * units);
    k.denseMatmul(a, ROWS, inUnits, w, units, out);
    const ref = new Float64Array(ROWS * units);
    const dwRef = new Float64Array(inUnits * units);
    for (let r = 0; r < ROWS; r++) {
      for (let i = 0; i < inUnits; i++) {
        for (let j = 0; j < units; j++) {
          ref[r * units + j] += a[r * inUnits + i] * w[i * units + j];
          dwRef[i * units + j] += a[r * inUnits + i] * grad[r * units + j];
        }
      }
    }
    expect(relErr(out, ref), 'A·W').toBeLessThanOrEqual(1e-6);
    const dw = nanF32(k, inUnits * units);
    k.denseWeightGrad(a, grad, ROWS, inUnits, units, dw);
    expect(relErr(dw, dwRef), 'Aᵀ·g').toBeLessThanOrEqual(1e-6);
  });

  it.each([
    ['A mostly zeros, g dense (summed over A\'s non-zeros)', 0.9, 0],
    ['A half zeros, g mostly zeros, as in the Table V net\'s dense layer (summed over g\'s)', 0.5, 0.8],
  ])('denseWeightGrad, %s: each weight the float32 sum over rows in order', (_, aZeros, gZeros) => {
    const rng = new Rng(21);
    const inUnits = 71;
    const units = 45;
    const a = randomF32(k, ROWS * inUnits, rng, aZeros);
    const grad = randomF32(k, ROWS * units, rng, gZeros);
    const dw = nanF32(k, inUnits * units);
    k.denseWeightGrad(a, grad, ROWS, inUnits, units, dw);
    // Every term, zeros included, each product and sum rounded to float32: the WASM kernels skip
    // only exact-zero terms, so they must give these bits.
    const ref = new Float32Array(inUnits * units);
    for (let i = 0; i < inUnits; i++) {
      for (let j = 0; j < units; j++) {
        let sum = 0;
        for (let r = 0; r < ROWS; r++) sum = Math.fround(sum + Math.fround(a[r * inUnits + i]! * grad[r * units + j]!));
        ref[i * units + j] = sum;
      }
    }
    if (name.startsWith('wasm')) expect(firstBitDifference(dw, ref)).toBe(-1);
    else expect(relErr(dw, ref)).toBeLessThanOrEqual(1e-6);
  });

  it.each([10, 45, 300])('denseMatmul of one run\'s pooled spikes, each step from the last by their changes, %i units', (units) => {
    const rng = new Rng(13 + units);
    const inUnits = 71;
    const a = pooledRun(k, rng, STEPS, BATCH, inUnits, [3]); // sample 3: more changes than values (listed afresh)
    a.fill(0, EMPTY_ROW * inUnits, (EMPTY_ROW + 1) * inUnits);
    const w = randomF32(k, inUnits * units, rng);
    const out = nanF32(k, ROWS * units);
    const ref = (x: Float32Array) => {
      const r = new Float64Array(ROWS * units);
      for (let row = 0; row < ROWS; row++) for (let i = 0; i < inUnits; i++) for (let j = 0; j < units; j++) r[row * units + j] += x[row * inUnits + i]! * w[i * units + j]!;
      return r;
    };
    k.denseMatmul(a, ROWS, inUnits, w, units, out, STEPS);
    expect(relErr(out, ref(a))).toBeLessThanOrEqual(1e-6);
    expect(out.subarray(EMPTY_ROW * units, (EMPTY_ROW + 1) * units).every((v) => v === 0), 'a step with no input').toBe(true);
    // Values whose differences round: the sums carry that rounding from step to step, no more.
    const b = randomF32(k, ROWS * inUnits, rng, 0.5);
    for (let i = BATCH * inUnits; i < b.length; i++) if (rng.uniform() < 0.7) b[i] = b[i - BATCH * inUnits]!;
    k.denseMatmul(b, ROWS, inUnits, w, units, out, STEPS);
    expect(relErr(out, ref(b))).toBeLessThanOrEqual(1e-6);
  });
});

describe.each([1, 2])('WASM fused conv LIF passes (%i threads) match the kernels they fuse', (threads) => {
  let k: Kernels;
  beforeAll(async () => {
    k = await createNodeKernels('wasm', { threads });
  });
  afterAll(() => k.dispose());
  const lif = { steps: STEPS, batch: BATCH, vth: 0.8, decay: 0.3, surrogateId: 0, width: 1 };
  const mode = { resetPath: true, leakPath: true };

  it.each(CONVS.filter(([, g]) => g.stride === 1))('convSpikesLif = convSpikes then lifForward, bit for bit, %s', (_g, g) => {
    const rng = new Rng(21);
    const lists = toLists(k, rateCodedSpikes(rng, STEPS, BATCH, inSizeOf(g), [3]), STEPS, BATCH, inSizeOf(g), true);
    const w = randomF32(k, g.outC * g.inC * g.kernel ** 2, rng);
    const bias = randomF32(k, outSizeOf(g), rng);
    const scan = { ...lif, units: outSizeOf(g) };
    const [u1, u2] = [nanF32(k, ROWS * outSizeOf(g)), nanF32(k, ROWS * outSizeOf(g))];
    const [s1, s2] = [0, 1].map(() => ({ ...k.spikeLists(ROWS, outSizeOf(g)), steps: STEPS }));
    k.convSpikes(lists, w, g, u1);
    k.lifForward(u1, bias, scan, s1!);
    k.convSpikesLif!(lists, w, g, bias, scan, u2, s2!);
    expect(firstBitDifference(u2, u1)).toBe(-1);
    expect(Array.from(s2!.len)).toEqual(Array.from(s1!.len));
    expect(s1!.len.some((n) => n > 0)).toBe(true);
    for (let r = 0; r < ROWS; r++) expect(Array.from(s2!.idx.subarray(s2!.start[r], s2!.start[r] + s2!.len[r]))).toEqual(Array.from(s1!.idx.subarray(s1!.start[r], s1!.start[r] + s1!.len[r])));
  });

  // All geometries: where the pass cannot fuse (a stride; one sample a thread at least) it runs both.
  it.each(CONVS)('convLif = conv by changes then lifForward, bit for bit, %s', (_g, g) => {
    const rng = new Rng(24);
    const x = pooledRun(k, rng, STEPS, BATCH, inSizeOf(g), [3]);
    const w = randomF32(k, g.outC * g.inC * g.kernel ** 2, rng);
    const bias = randomF32(k, outSizeOf(g), rng);
    const scan = { ...lif, units: outSizeOf(g) };
    const [u1, u2] = [nanF32(k, ROWS * outSizeOf(g)), nanF32(k, ROWS * outSizeOf(g))];
    const [s1, s2] = [0, 1].map(() => ({ ...k.spikeLists(ROWS, outSizeOf(g)), steps: STEPS }));
    k.conv(x, ROWS, w, g, u1, STEPS);
    k.lifForward(u1, bias, scan, s1!);
    k.convLif!(x, w, g, bias, scan, u2, s2!);
    expect(firstBitDifference(u2, u1)).toBe(-1);
    expect(Array.from(s2!.len)).toEqual(Array.from(s1!.len));
    expect(s1!.len.some((n) => n > 0)).toBe(true);
    for (let r = 0; r < ROWS; r++) expect(Array.from(s2!.idx.subarray(s2!.start[r], s2!.start[r] + s2!.len[r]))).toEqual(Array.from(s1!.idx.subarray(s1!.start[r], s1!.start[r] + s1!.len[r])));
  });

  it.each(CONVS)('convLifBackward = lifBackward, channelSums and convSpikesWeightGrad, %s', (_g, g) => {
    const rng = new Rng(22);
    const lists = toLists(k, rateCodedSpikes(rng, STEPS, BATCH, inSizeOf(g), [3]), STEPS, BATCH, inSizeOf(g), true);
    const scan = { ...lif, units: outSizeOf(g) };
    const u = randomF32(k, ROWS * outSizeOf(g), rng);
    const g0 = randomF32(k, ROWS * outSizeOf(g), rng, 0.3);
    const [e1, e2] = [k.allocF32(g0.length), k.allocF32(g0.length)];
    e1.set(g0);
    e2.set(g0);
    const wLen = g.outC * g.inC * g.kernel ** 2;
    const [dw1, dw2, db1, db2] = [nanF32(k, wLen), nanF32(k, wLen), nanF32(k, g.outC), nanF32(k, g.outC)];
    k.lifBackward(u, e1, scan, mode);
    k.channelSums(e1, ROWS, g.outC, g.outH * g.outW, db1);
    k.convSpikesWeightGrad(lists, e1, g, dw1);
    k.convLifBackward!(u, e2, scan, mode, lists, g, dw2, db2);
    expect(firstBitDifference(e2, e1), 'ε').toBe(-1);
    expect(firstBitDifference(dw2, dw1), 'dW: the same sums in the same order').toBe(-1);
    expect(relErr(db2, db1), 'db: the same sums in another order').toBeLessThanOrEqual(1e-6);
    expect(db1.some((v) => v !== 0)).toBe(true);
  });

  it.each(CONVS.filter(([, g]) => g.outH % 2 === 0))('convLifBackward with ∂L/∂o spread from the 2×2 pooling above = avgPoolBackprop then convLifBackward, %s', (_g, g) => {
    const rng = new Rng(23);
    const lists = toLists(k, rateCodedSpikes(rng, STEPS, BATCH, inSizeOf(g), [3]), STEPS, BATCH, inSizeOf(g), true);
    const scan = { ...lif, units: outSizeOf(g) };
    const p = pool(g.outC, g.outH, g.outW, 2, 2);
    const u = randomF32(k, ROWS * outSizeOf(g), rng);
    const pooled = randomF32(k, ROWS * outSizeOf(p), rng, 0.3);
    const spread = nanF32(k, ROWS * outSizeOf(g));
    k.avgPoolBackprop(pooled, ROWS, p, spread);
    const wLen = g.outC * g.inC * g.kernel ** 2;
    const [dw1, dw2, db1, db2] = [nanF32(k, wLen), nanF32(k, wLen), nanF32(k, g.outC), nanF32(k, g.outC)];
    k.convLifBackward!(u, spread, scan, mode, lists, g, dw1, db1);
    k.convLifBackward!(u, k.allocF32(0), scan, mode, lists, g, dw2, db2, { g: pooled, pool: p });
    expect(firstBitDifference(dw2, dw1), 'dW').toBe(-1);
    expect(firstBitDifference(db2, db1), 'db').toBe(-1);
    expect(dw1.some((v) => v !== 0)).toBe(true);
  });
});

/** Every new kernel on fixed inputs: WASM on 1, 2 and 3 threads must agree bit for bit. */
function runEveryKernel(k: Kernels): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  const rng = new Rng(99);
  for (const [name, g] of [CONVS[1], CONVS[2]]) {
    const lists = toLists(k, randomSpikes(rng, inSizeOf(g)), STEPS, BATCH, inSizeOf(g));
    const x = randomF32(k, ROWS * inSizeOf(g), rng, 0.5);
    const w = randomF32(k, g.outC * g.inC * g.kernel ** 2, rng);
    const grad = randomF32(k, ROWS * outSizeOf(g), rng, 0.3);
    const run = (what: string, size: number, f: (o: Float32Array) => void) => {
      const o = k.allocF32(size);
      f(o);
      out[`${what}, ${name}`] = o.slice();
    };
    run('convSpikes', ROWS * outSizeOf(g), (o) => k.convSpikes(lists, w, g, o));
    const rated = toLists(k, rateCodedSpikes(rng, STEPS, BATCH, inSizeOf(g), [1]), STEPS, BATCH, inSizeOf(g), true);
    run('convSpikes by changes', ROWS * outSizeOf(g), (o) => k.convSpikes(rated, w, g, o));
    run('convSpikesWeightGrad by changes', w.length, (o) => k.convSpikesWeightGrad(rated, grad, g, o));
    run('conv', ROWS * outSizeOf(g), (o) => k.conv(x, ROWS, w, g, o));
    const pooled = pooledRun(k, rng, STEPS, BATCH, inSizeOf(g), [1]);
    run('conv by changes', ROWS * outSizeOf(g), (o) => k.conv(pooled, ROWS, w, g, o, STEPS));
    run('convSpikesWeightGrad', w.length, (o) => k.convSpikesWeightGrad(lists, grad, g, o));
    run('convWeightGrad', w.length, (o) => k.convWeightGrad(x, grad, ROWS, g, o));
    run('convBackpropInput', ROWS * inSizeOf(g), (o) => k.convBackpropInput(grad, w, ROWS, g, o));
  }
  const [, p] = POOLS[2];
  const x = randomF32(k, ROWS * inSizeOf(p), rng, 0.3);
  const lists = toLists(k, randomSpikes(rng, inSizeOf(p)), STEPS, BATCH, inSizeOf(p));
  const grad = randomF32(k, ROWS * outSizeOf(p), rng);
  out.avgPoolSpikes = k.allocF32(ROWS * outSizeOf(p));
  k.avgPoolSpikes(lists, p, out.avgPoolSpikes);
  out.avgPool = k.allocF32(ROWS * outSizeOf(p));
  k.avgPool(x, ROWS, p, out.avgPool);
  out.avgPoolBackprop = k.allocF32(ROWS * inSizeOf(p));
  k.avgPoolBackprop(grad, ROWS, p, out.avgPoolBackprop);
  const a = randomF32(k, ROWS * 71, rng, 0.6);
  const w = randomF32(k, 71 * 45, rng);
  const g = randomF32(k, ROWS * 45, rng, 0.3);
  out.denseMatmul = k.allocF32(ROWS * 45);
  k.denseMatmul(a, ROWS, 71, w, 45, out.denseMatmul);
  out['denseMatmul by changes'] = k.allocF32(ROWS * 45);
  k.denseMatmul(pooledRun(k, rng, STEPS, BATCH, 71, [2]), ROWS, 71, w, 45, out['denseMatmul by changes'], STEPS);
  out.denseWeightGrad = k.allocF32(71 * 45);
  k.denseWeightGrad(a, g, ROWS, 71, 45, out.denseWeightGrad);
  out['denseWeightGrad over sparse ε'] = k.allocF32(71 * 45);
  k.denseWeightGrad(randomF32(k, ROWS * 71, rng, 0.5), randomF32(k, ROWS * 45, rng, 0.8), ROWS, 71, 45, out['denseWeightGrad over sparse ε']);
  out.channelSums = k.allocF32(17);
  k.channelSums(randomF32(k, ROWS * 17 * 5, rng), ROWS, 17, 5, out.channelSums);
  for (const key of Object.keys(out)) out[key] = out[key].slice();
  return out;
}

describe('WASM conv and pool kernels: 2 and 3 threads give bit-identical results to 1 thread', () => {
  const results: Record<string, Float32Array>[] = [];
  beforeAll(async () => {
    for (const threads of [1, 2, 3]) {
      const k = await createNodeKernels('wasm', { threads });
      try {
        results.push(runEveryKernel(k));
      } finally {
        k.dispose();
      }
    }
  });

  it('every output is finite and not all zero (the comparison is not vacuous)', () => {
    for (const [name, a] of Object.entries(results[0])) {
      expect(a.every(Number.isFinite), name).toBe(true);
      expect(a.some((v) => v !== 0), name).toBe(true);
    }
  });

  it('2 and 3 threads match 1 thread in every output', () => {
    const names = Object.keys(results[0]);
    expect(names.length).toBe(24);
    for (const name of names) {
      expect(firstBitDifference(results[1][name], results[0][name]), `${name}, 2 threads`).toBe(-1);
      expect(firstBitDifference(results[2][name], results[0][name]), `${name}, 3 threads`).toBe(-1);
    }
  });
});
