import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kernels } from '../../../engine/backend/types';
import { createNodeKernels } from '../../../engine/backend/backends-node';
import { adamUpdate, sgdUpdate } from '../../../engine/optim/updates';
import { Rng } from '../../../engine/rng';
import { NODE_BACKENDS, firstBitDifference } from './node-backends';
import { randomF32, rateCodedSpikes, toLists } from '../../helpers/kernel-data';
import { relErr } from '../../helpers/compare';

/**
 * The event-driven kernels against dense reference loops (in double precision) written here.
 * Sizes have SIMD and 32-column-block tails: 71 inputs, and 10, 45 or 800 units; spike matrices
 * are time-major with 1 step × 37 samples (row order = sample order) or 4 steps × 9 samples (the
 * WASM gathers visit rows sample-major, so the two orders differ).
 */
const IN = 71;
const UNIT_COUNTS = [10, 45, 800];
const LAYOUTS = [
  { steps: 1, batch: 37 },
  { steps: 4, batch: 9 },
];
const CASES = UNIT_COUNTS.flatMap((units) => LAYOUTS.map(({ steps, batch }) => [units, steps, batch] as const));
const ZERO_ROW = 3;
const FULL_ROW = 20;

/** Random binary S [rows, IN], density ~13%, with one all-zero row and one full row. */
function randomSpikes(rng: Rng, rows: number): Uint8Array {
  const s = new Uint8Array(rows * IN);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < IN; i++) s[r * IN + i] = r === FULL_ROW || (r !== ZERO_ROW && rng.uniform() < 0.13) ? 1 : 0;
  }
  return s;
}

/** C[m, n] = A[m, k]·B[k, n], where A and B are read through accessors (so transposes are free). */
function denseProduct(m: number, kDim: number, n: number, a: (i: number, k: number) => number, b: (k: number, j: number) => number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < kDim; k++) {
      const aik = a(i, k);
      if (aik !== 0) for (let j = 0; j < n; j++) c[i * n + j] += aik * b(k, j);
    }
  }
  return c;
}

describe.each(NODE_BACKENDS)('%s event-driven kernels vs dense loops', (_name, make) => {
  let k: Kernels;
  beforeAll(async () => {
    k = await make();
  });
  afterAll(() => k.dispose());

  it.each(CASES)('spikeMatmul: out = S·W, %i units, %i steps × %i samples', (units, steps, batch) => {
    const rows = steps * batch;
    const rng = new Rng(units + steps);
    const dense = randomSpikes(rng, rows);
    const w = randomF32(k, IN * units, rng);
    const out = k.allocF32(rows * units);
    out.fill(NaN); // every element must be written, not accumulated into
    k.spikeMatmul(toLists(k, dense, steps, batch, IN), w, units, out);
    const ref = denseProduct(rows, IN, units, (r, i) => dense[r * IN + i], (i, j) => w[i * units + j]);
    expect(relErr(out, ref)).toBeLessThanOrEqual(1e-6);
    expect(Array.from(out.subarray(ZERO_ROW * units, (ZERO_ROW + 1) * units)).every((v) => v === 0)).toBe(true);
  });

  it.each(CASES)('spikeWeightGrad: dW = Sᵀ·g, %i units, %i steps × %i samples', (units, steps, batch) => {
    const rows = steps * batch;
    const rng = new Rng(100 + units + steps);
    const dense = randomSpikes(rng, rows);
    const g = randomF32(k, rows * units, rng);
    const dw = k.allocF32(IN * units);
    dw.fill(NaN);
    k.spikeWeightGrad(toLists(k, dense, steps, batch, IN), g, units, dw);
    const ref = denseProduct(IN, rows, units, (i, r) => dense[r * IN + i], (r, j) => g[r * units + j]);
    expect(relErr(dw, ref)).toBeLessThanOrEqual(1e-6);
  });

  it.each(UNIT_COUNTS)('spikeMatmul and spikeWeightGrad of rate-coded rows, summed by their changes, %i units', (units) => {
    const [steps, batch] = [6, 5];
    const rows = steps * batch;
    const rng = new Rng(500 + units);
    const dense = rateCodedSpikes(rng, steps, batch, IN, [2]);
    const lists = toLists(k, dense, steps, batch, IN, true);
    if (lists.deltas) {
      // The kernels' choices are all exercised: rows updated by their changes, and a sample
      // whose changes outnumber its spikes (sample 2), taken afresh.
      const sums = (b: number, a: Int32Array) => Array.from({ length: steps }, (_, t) => a[t * batch + b]!).reduce((x, y) => x + y);
      expect(sums(0, lists.deltas.changesLen)).toBeLessThan(sums(0, lists.len));
      expect(sums(2, lists.deltas.changesLen)).toBeGreaterThan(sums(2, lists.len));
    }
    const w = randomF32(k, IN * units, rng);
    const out = k.allocF32(rows * units).fill(NaN);
    k.spikeMatmul(lists, w, units, out);
    expect(relErr(out, denseProduct(rows, IN, units, (r, i) => dense[r * IN + i], (i, j) => w[i * units + j]))).toBeLessThanOrEqual(1e-6);
    const g = randomF32(k, rows * units, rng, 0.3);
    const dw = k.allocF32(IN * units).fill(NaN);
    k.spikeWeightGrad(lists, g, units, dw);
    expect(relErr(dw, denseProduct(IN, rows, units, (i, r) => dense[r * IN + i], (r, j) => g[r * units + j]))).toBeLessThanOrEqual(1e-6);
  });

  it.each(UNIT_COUNTS)('backpropInput: out = g·Wᵀ with exact zeros in g, %i units', (units) => {
    const rows = 37;
    const rng = new Rng(200 + units);
    const g = randomF32(k, rows * units, rng, 0.5);
    g.fill(0, ZERO_ROW * units, (ZERO_ROW + 1) * units);
    const w = randomF32(k, IN * units, rng);
    const out = k.allocF32(rows * IN);
    out.fill(NaN);
    k.backpropInput(g, w, rows, IN, units, out);
    const ref = denseProduct(rows, units, IN, (r, j) => g[r * units + j], (j, i) => w[i * units + j]);
    expect(relErr(out, ref)).toBeLessThanOrEqual(1e-6);
    expect(Array.from(out.subarray(ZERO_ROW * IN, (ZERO_ROW + 1) * IN)).every((v) => v === 0)).toBe(true);
  });

  it.each(UNIT_COUNTS)('columnSums: out[c] = Σ_r a[r, c], %i columns', (cols) => {
    const rows = 37;
    const rng = new Rng(300 + cols);
    const a = randomF32(k, rows * cols, rng);
    const out = k.allocF32(cols);
    out.fill(NaN);
    k.columnSums(a, rows, cols, out);
    const ref = denseProduct(1, rows, cols, () => 1, (r, c) => a[r * cols + c]);
    expect(relErr(out, ref)).toBeLessThanOrEqual(1e-6);
  });

  it.each([10, 37, 800])('sgdUpdate and adamUpdate match engine/optim/updates.ts, %i elements', (n) => {
    const rng = new Rng(400 + n);
    const fill = (a: Float32Array, f: () => number) => a.map(f);
    const [p, g, m, v] = [0, 1, 2, 3].map(() => k.allocF32(n));
    p.set(fill(new Float32Array(n), () => rng.normal()));
    g.set(fill(new Float32Array(n), () => rng.normal()));
    m.set(fill(new Float32Array(n), () => 0.1 * rng.normal()));
    v.set(fill(new Float32Array(n), () => 0.1 * rng.uniform()));
    const want = { p: p.slice(), m: m.slice(), v: v.slice() };
    adamUpdate(want.p, g, want.m, want.v, 0.01, 0.9, 0.999, 1e-8);
    k.adamUpdate(p, g, m, v, 0.01, 0.9, 0.999, 1e-8);
    expect(relErr(p, want.p), 'Adam p').toBeLessThanOrEqual(1e-6);
    expect(relErr(m, want.m), 'Adam m').toBeLessThanOrEqual(1e-6);
    expect(relErr(v, want.v), 'Adam v').toBeLessThanOrEqual(1e-6);
    const sgdWant = p.slice();
    sgdUpdate(sgdWant, g, 0.5);
    k.sgdUpdate(p, g, 0.5);
    expect(relErr(p, sgdWant), 'SGD p').toBeLessThanOrEqual(1e-6);
  });
});

/**
 * Every kernel on fixed inputs, outputs copied out: a WASM run on 1 and on 2 threads must agree bit
 * for bit, since the threads split ranges of rows, columns or elements and no sum may depend on
 * where a split falls. Lengths (10, 45, 37) put splits off the 4-lane SIMD grid.
 */
/**
 * A gradient g for which (1−β2)·g² rounds differently in f32 depending on association,
 * ((1−β2)·g)·g vs (1−β2)·(g·g), with β2 = 0.999: inputs where a kernel's SIMD body and scalar
 * tail must agree exactly for the split between threads not to show.
 */
function roundingSensitiveGradient(rng: Rng): number {
  const f = Math.fround;
  const c2 = f(1 - f(0.999));
  for (;;) {
    const g = f(rng.normal());
    if (f(f(c2 * g) * g) !== f(c2 * f(g * g))) return g;
  }
}

const KERNEL_OUTPUTS = [
  ...[10, 45].flatMap((u) => ['spikeMatmul', 'spikeWeightGrad', 'backpropInput', 'columnSums', 'lifForward', 'lifBackward'].map((name) => `${name} ${u}`)),
  ...[10, 45].flatMap((u) => [`spikeMatmul ${u} by changes`, `spikeWeightGrad ${u} by changes`]),
  ...[10, 37].flatMap((n) => [`adamUpdate ${n} (p)`, `adamUpdate ${n} (v)`, `sgdUpdate ${n}`]),
];

function runEveryKernel(k: Kernels): Record<string, Float32Array> {
  const rng = new Rng(77);
  const f32 = (n: number, f: () => number) => {
    const a = k.allocF32(n);
    for (let i = 0; i < n; i++) a[i] = f();
    return a;
  };
  const out: Record<string, Float32Array> = {};
  for (const units of [10, 45]) {
    const steps = 4;
    const batch = 9;
    const rows = steps * batch;
    const lists = toLists(k, randomSpikes(rng, rows), steps, batch, IN);
    const w = f32(IN * units, () => rng.normal());
    const g = f32(rows * units, () => (rng.uniform() < 0.5 ? 0 : rng.normal()));
    const mm = k.allocF32(rows * units);
    k.spikeMatmul(lists, w, units, mm);
    out[`spikeMatmul ${units}`] = mm.slice();
    const rated = toLists(k, rateCodedSpikes(rng, steps, batch, IN, [1]), steps, batch, IN, true);
    k.spikeMatmul(rated, w, units, mm);
    out[`spikeMatmul ${units} by changes`] = mm.slice();
    const dwRated = k.allocF32(IN * units);
    k.spikeWeightGrad(rated, g, units, dwRated);
    out[`spikeWeightGrad ${units} by changes`] = dwRated.slice();
    const dw = k.allocF32(IN * units);
    k.spikeWeightGrad(lists, g, units, dw);
    out[`spikeWeightGrad ${units}`] = dw.slice();
    const back = k.allocF32(rows * IN);
    k.backpropInput(g, w, rows, IN, units, back);
    out[`backpropInput ${units}`] = back.slice();
    const sums = k.allocF32(units);
    k.columnSums(g, rows, units, sums);
    out[`columnSums ${units}`] = sums.slice();
    const lif = { steps, batch, units, vth: 1, decay: 0.3, surrogateId: 2, width: 0.5 };
    const u = f32(rows * units, () => rng.uniform() * 1.5);
    const bias = f32(units, () => 0.1 * rng.uniform());
    k.lifForward(u, bias, lif, k.spikeLists(rows, units));
    out[`lifForward ${units}`] = u.slice();
    k.lifBackward(u, g, lif, { resetPath: true, leakPath: true });
    out[`lifBackward ${units}`] = g.slice();
  }
  for (const n of [10, 37]) {
    const p = f32(n, () => rng.normal());
    const g = f32(n, () => roundingSensitiveGradient(rng));
    const m = f32(n, () => 0);
    const v = f32(n, () => 0);
    k.adamUpdate(p, g, m, v, 0.01, 0.9, 0.999, 1e-8);
    out[`adamUpdate ${n} (p)`] = p.slice();
    out[`adamUpdate ${n} (v)`] = v.slice();
    k.sgdUpdate(p, g, 0.5);
    out[`sgdUpdate ${n}`] = p.slice();
  }
  return out;
}

describe('WASM kernels: 2 threads give bit-identical results to 1 thread', () => {
  const results: Record<string, Float32Array>[] = [];
  beforeAll(async () => {
    for (const threads of [1, 2]) {
      const k = await createNodeKernels('wasm', { threads });
      try {
        results.push(runEveryKernel(k));
      } finally {
        k.dispose();
      }
    }
  });

  it('every kernel was run', () => {
    expect(Object.keys(results[0]).sort()).toEqual([...KERNEL_OUTPUTS].sort());
  });

  it.each(KERNEL_OUTPUTS)('%s', (name) => {
    const [one, two] = results;
    expect(firstBitDifference(two[name], one[name]), 'first element that differs').toBe(-1);
  });
});
