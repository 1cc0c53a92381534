import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kernels, LifScan, SpikeLists } from '../../../engine/backend/types';
import { GRAD_MODES, type GradModeName } from '../../../engine/model/network';
import { lifBackwardScan, lifForwardScan } from '../../../engine/neuron/lif';
import { SURROGATES, surrogateByName } from '../../../engine/neuron/surrogates';
import { Rng } from '../../../engine/rng';
import { NODE_BACKENDS } from '../backend/node-backends';

/**
 * Golden LIF traces computed by hand (Norse style), docs/math.md eq. 3–8:
 *   u[t] = u[t−1]·tau·(1 − o[t−1]) + x[t] + b,   o[t] = [u[t] ≥ Vth]
 * with Vth = 1, tau = 0.5, b = 0.1 throughout.
 */
const VTH = 1;
const DECAY = 0.5;
const BIAS = 0.1;
const TOL = 1e-6;

/**
 * Trace A, x = [0.5, 0.6, 0.2, 1.2, 0.0]:
 *   t=0: u = 0                + 0.5 + 0.1 = 0.6    < 1 → o = 0
 *   t=1: u = 0.6·0.5·(1 − 0)  + 0.6 + 0.1 = 1.0   ≥ 1 → o = 1   (exactly at Vth: the rule is ≥)
 *   t=2: u = 1.0·0.5·(1 − 1)  + 0.2 + 0.1 = 0.3    < 1 → o = 0   (hard reset)
 *   t=3: u = 0.3·0.5          + 1.2 + 0.1 = 1.45  ≥ 1 → o = 1
 *   t=4: u = 1.45·0.5·(1 − 1) + 0.0 + 0.1 = 0.1    < 1 → o = 0
 * Trace B, x = [1.5, 0.0, 0.4, 0.4, 0.9]:
 *   t=0: u = 0                + 1.5 + 0.1 = 1.6   ≥ 1 → o = 1
 *   t=1: u = 0 (reset)        + 0.0 + 0.1 = 0.1    < 1 → o = 0
 *   t=2: u = 0.1·0.5          + 0.4 + 0.1 = 0.55   < 1 → o = 0
 *   t=3: u = 0.55·0.5         + 0.4 + 0.1 = 0.775  < 1 → o = 0
 *   t=4: u = 0.775·0.5        + 0.9 + 0.1 = 1.3875 ≥ 1 → o = 1
 */
const FORWARD = [
  { x: [0.5, 0.6, 0.2, 1.2, 0.0], u: [0.6, 1.0, 0.3, 1.45, 0.1], o: [0, 1, 0, 1, 0] },
  { x: [1.5, 0.0, 0.4, 0.4, 0.9], u: [1.6, 0.1, 0.55, 0.775, 1.3875], o: [1, 0, 0, 0, 1] },
];
const T_FWD = 5;

/**
 * Backward golden, T = 3, rectangular surrogate of width 1: h(u) = 1 if |u − 1| < 0.5 else 0.
 *   δ[t] = g[t] + [reset] ε[t+1]·u[t]·(−0.5)
 *   ε[t] = δ[t]·h(u[t]) + [leak] ε[t+1]·0.5·(1 − o[t]),   ε[3] = 0
 *
 * Trace P: u = [0.8, 1.2, 0.6] → o = [0, 1, 0], h = [1, 1, 1]; g = [0.7, −1.0, 2.0].
 *   stbp:         t=2: ε = 2.0
 *                 t=1: δ = −1.0 + 2.0·1.2·(−0.5) = −2.2;  ε = −2.2·1 + 2.0·0.5·0 = −2.2
 *                 t=0: δ = 0.7 + (−2.2)·0.8·(−0.5) = 1.58; ε = 1.58·1 + (−2.2)·0.5·1 = 0.48
 *   sdbp:         ε = g·h = [0.7, −1.0, 2.0]
 *   detach-reset: t=2: 2.0; t=1: −1.0 + 2.0·0.5·0 = −1.0; t=0: 0.7 + (−1.0)·0.5·1 = 0.2
 * Trace Q: u = [1.3, 0.2, 1.1] → o = [1, 0, 1], h = [1, 0, 1]; g = [−0.4, 0.9, 1.5].
 *   stbp:         t=2: ε = 1.5
 *                 t=1: δ = 0.9 + 1.5·0.2·(−0.5) = 0.75;  ε = 0.75·0 + 1.5·0.5·1 = 0.75
 *                 t=0: δ = −0.4 + 0.75·1.3·(−0.5) = −0.8875; ε = −0.8875·1 + 0.75·0.5·0 = −0.8875
 *   sdbp:         ε = g·h = [−0.4, 0, 1.5]
 *   detach-reset: t=2: 1.5; t=1: 0.9·0 + 1.5·0.5·1 = 0.75; t=0: −0.4·1 + 0.75·0.5·0 = −0.4
 */
const BACKWARD = [
  { u: [0.8, 1.2, 0.6], g: [0.7, -1.0, 2.0], eps: { stbp: [0.48, -2.2, 2.0], sdbp: [0.7, -1.0, 2.0], 'detach-reset': [0.2, -1.0, 2.0] } },
  { u: [1.3, 0.2, 1.1], g: [-0.4, 0.9, 1.5], eps: { stbp: [-0.8875, 0.75, 1.5], sdbp: [-0.4, 0, 1.5], 'detach-reset': [-0.4, 0.75, 1.5] } },
];
const T_BWD = 3;
const MODES = Object.keys(GRAD_MODES) as GradModeName[];

interface Alloc {
  f32(n: number): Float32Array;
  spikes(rows: number, cols: number): SpikeLists;
}
const plainAlloc: Alloc = {
  f32: (n) => new Float32Array(n),
  spikes: (rows, cols) => ({
    rows, steps: 1, cols, idx: new Int32Array(rows * cols), len: new Int32Array(rows),
    start: Int32Array.from({ length: rows }, (_, r) => r * cols),
  }),
};
const kernelAlloc = (k: Kernels): Alloc => ({ f32: (n) => k.allocF32(n), spikes: (r, c) => k.spikeLists(r, c) });

function lif(steps: number, batch: number, units: number, surrogate = 'rectangular', width = 1): LifScan {
  return { steps, batch, units, vth: VTH, decay: DECAY, surrogateId: surrogateByName(surrogate).id, width };
}

function rowSpikes(s: SpikeLists, r: number): number[] {
  return Array.from(s.idx.subarray(s.start[r], s.start[r] + s.len[r]));
}

/** Element (t, b, j) of a time-major [T·batch, units] matrix follows golden trace (b + j) mod 2. */
const traceOf = (b: number, j: number) => (b + j) % 2;

function layout(steps: number, batch: number, units: number, value: (trace: number, t: number) => number): Float32Array {
  const out: number[] = [];
  for (let t = 0; t < steps; t++) for (let b = 0; b < batch; b++) for (let j = 0; j < units; j++) out.push(value(traceOf(b, j), t));
  return Float32Array.from(out);
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i] - expected[i]), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(TOL);
  }
}

describe('lifForwardScan (plain-JS reference): golden traces', () => {
  it('one neuron, batch 1, T = 5: trace A', () => {
    const xu = Float32Array.from(FORWARD[0].x);
    const spikes = plainAlloc.spikes(5, 1);
    lifForwardScan(xu, Float32Array.of(BIAS), lif(5, 1, 1), spikes);
    expectClose(xu, [0.6, 1.0, 0.3, 1.45, 0.1], 'u');
    expect([0, 1, 2, 3, 4].map((r) => rowSpikes(spikes, r))).toEqual([[], [0], [], [0], []]);
  });

  it('batch of 2 different samples is time-major: row r = t·batch + b', () => {
    // x interleaved by step: [A0, B0, A1, B1, …]
    const xu = Float32Array.of(0.5, 1.5, 0.6, 0.0, 0.2, 0.4, 1.2, 0.4, 0.0, 0.9);
    const spikes = plainAlloc.spikes(10, 1);
    lifForwardScan(xu, Float32Array.of(BIAS), lif(5, 2, 1), spikes);
    expectClose(xu, [0.6, 1.6, 1.0, 0.1, 0.3, 0.55, 1.45, 0.775, 0.1, 1.3875], 'u');
    expect(Array.from({ length: 10 }, (_, r) => rowSpikes(spikes, r))).toEqual([[], [0], [0], [], [], [], [0], [], [], [0]]);
  });
});

describe('lifBackwardScan (plain-JS reference): golden ε', () => {
  it.each(MODES.flatMap((m) => [0, 1].map((i) => [m, 'PQ'[i], i] as const)))('%s, trace %s', (mode, _name, i) => {
    const c = BACKWARD[i];
    const g = Float32Array.from(c.g);
    lifBackwardScan(Float32Array.from(c.u), g, lif(3, 1, 1), GRAD_MODES[mode]);
    expectClose(g, c.eps[mode], 'ε');
  });
});

/** Forward from x, then check u and spike lists against the golden traces. */
function runForwardGolden(k: Pick<Kernels, 'lifForward'>, alloc: Alloc, batch: number, units: number): void {
  const rows = T_FWD * batch;
  const xu = alloc.f32(rows * units);
  xu.set(layout(T_FWD, batch, units, (tr, t) => FORWARD[tr].x[t]));
  const bias = alloc.f32(units);
  bias.fill(BIAS);
  const spikes = alloc.spikes(rows, units);
  k.lifForward(xu, bias, lif(T_FWD, batch, units), spikes);
  expectClose(xu, layout(T_FWD, batch, units, (tr, t) => FORWARD[tr].u[t]), 'u');
  for (let t = 0; t < T_FWD; t++) {
    for (let b = 0; b < batch; b++) {
      const want = Array.from({ length: units }, (_, j) => j).filter((j) => FORWARD[traceOf(b, j)].o[t]);
      expect(rowSpikes(spikes, t * batch + b), `spikes at t=${t}, b=${b}`).toEqual(want);
    }
  }
}

function runBackwardGolden(k: Pick<Kernels, 'lifBackward'>, alloc: Alloc, batch: number, units: number, mode: GradModeName): void {
  const n = T_BWD * batch * units;
  const u = alloc.f32(n);
  const g = alloc.f32(n);
  u.set(layout(T_BWD, batch, units, (tr, t) => BACKWARD[tr].u[t]));
  g.set(layout(T_BWD, batch, units, (tr, t) => BACKWARD[tr].g[t]));
  k.lifBackward(u, g, lif(T_BWD, batch, units), GRAD_MODES[mode]);
  expectClose(g, layout(T_BWD, batch, units, (tr, t) => BACKWARD[tr].eps[mode][t]), 'ε');
}

/**
 * The invariant the backward pass and the next step's reset rely on: a spike is listed exactly
 * where the stored potential is ≥ Vth, and each stored u follows from the stored u and spikes
 * of the step before.
 */
function expectSelfConsistent(x: Float32Array, u: Float32Array, bias: Float32Array, spikes: SpikeLists, p: LifScan): void {
  const { steps, batch, units } = p;
  for (let r = 0; r < steps * batch; r++) {
    const listed = new Set(rowSpikes(spikes, r));
    for (let j = 0; j < units; j++) {
      const k = r * units + j;
      expect(listed.has(j), `row ${r}, unit ${j}: u = ${u[k]}, listed = ${listed.has(j)}`).toBe(u[k] >= p.vth);
      const prev = r >= batch ? u[k - batch * units] : 0;
      const carried = r >= batch && !rowSpikes(spikes, r - batch).includes(j) ? prev * p.decay : 0;
      expect(Math.abs(u[k] - (x[k] + bias[j] + carried)), `u at row ${r}, unit ${j}`).toBeLessThanOrEqual(TOL);
    }
  }
}

/**
 * x[0] = 1 − 2⁻²⁴ (the f32 just below 1), b = 3·2⁻²⁶: the exact sum 1 − 2⁻²⁶ is below Vth = 1, but
 * its nearest f32, what is stored as u[0], is exactly 1.0. Whichever way the spike goes, the spike
 * list and the stored u must agree: the next step resets (or not) from the stored u, and the
 * backward pass recomputes o from it.
 */
const EDGE = { x: [1 - 2 ** -24, 0.5], bias: 3 * 2 ** -26 };

function runEdgeCase(k: Pick<Kernels, 'lifForward'>, alloc: Alloc, units: number): void {
  const p = lif(2, 1, units);
  const x = layout(2, 1, units, (_tr, t) => EDGE.x[t]);
  const xu = alloc.f32(x.length);
  xu.set(x);
  const bias = alloc.f32(units);
  bias.fill(EDGE.bias);
  const spikes = alloc.spikes(2, units);
  k.lifForward(xu, bias, p, spikes);
  expectSelfConsistent(x, xu, bias, spikes, p);
}

describe('lifForwardScan: spikes agree with the stored potential', () => {
  it('at the f32 rounding edge of Vth', () => runEdgeCase({ lifForward: lifForwardScan }, plainAlloc, 1));
});

const SHAPES = [1, 5, 37].flatMap((units) => [1, 2, 3].map((batch) => [units, batch] as const));

describe.each(NODE_BACKENDS)('%s LIF kernels', (_name, make) => {
  let k: Kernels;
  beforeAll(async () => {
    k = await make();
  });
  afterAll(() => k.dispose());

  it.each(SHAPES)('forward golden traces, %i units × batch %i', (units, batch) => {
    runForwardGolden(k, kernelAlloc(k), batch, units);
  });

  it.each(SHAPES.flatMap(([units, batch]) => MODES.map((m) => [m, units, batch] as const)))(
    'backward golden ε (%s), %i units × batch %i',
    (mode, units, batch) => runBackwardGolden(k, kernelAlloc(k), batch, units, mode),
  );

  it.each([1, 5])('forward spikes agree with the stored potential at the f32 edge of Vth, %i units', (units) => {
    runEdgeCase(k, kernelAlloc(k), units);
  });

  it('forward on random input is self-consistent (37 units × batch 3, T = 6)', () => {
    const p = lif(6, 3, 37);
    const rng = new Rng(11);
    const x = Float32Array.from({ length: 6 * 3 * 37 }, () => rng.uniform() * 1.2 - 0.1);
    const xu = k.allocF32(x.length);
    xu.set(x);
    const bias = k.allocF32(37);
    bias.set(Float32Array.from({ length: 37 }, () => rng.uniform() * 0.2));
    const spikes = k.spikeLists(6 * 3, 37);
    k.lifForward(xu, bias, p, spikes);
    expectSelfConsistent(x, xu, bias, spikes, p);
    const total = Array.from({ length: 18 }, (_, r) => spikes.len[r]).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(0.1 * 18 * 37); // the check is not vacuous: many spikes and resets
    expect(total).toBeLessThan(0.9 * 18 * 37);
  });

  // Every surrogate id must select the same h in the kernel as in the registry.
  it.each(SURROGATES.flatMap((s) => MODES.map((m) => [s.name, m] as const)))(
    'backward with the %s surrogate (%s) matches the reference scan on random potentials',
    (surrogate, mode) => {
      const p = lif(4, 3, 37, surrogate, 0.7);
      const rng = new Rng(5 + surrogateByName(surrogate).id);
      const n = 4 * 3 * 37;
      const uValues = Float32Array.from({ length: n }, () => rng.uniform() * 1.6 + 0.2);
      const gValues = Float32Array.from({ length: n }, () => rng.normal());
      const want = gValues.slice();
      lifBackwardScan(uValues, want, p, GRAD_MODES[mode]);
      const u = k.allocF32(n);
      const g = k.allocF32(n);
      u.set(uValues);
      g.set(gValues);
      k.lifBackward(u, g, p, GRAD_MODES[mode]);
      for (let i = 0; i < n; i++) {
        expect(Math.abs(g[i] - want[i]), `ε[${i}]`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[i])));
      }
    },
  );
});
