import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BernoulliCode, Kernels, SpikeLists } from '../../../engine/backend/types';
import { bernoulliSpike, bernoulliThresholds, mix32, prepareBernoulli } from '../../../engine/encode/bernoulli';
import { Rng } from '../../../engine/rng';
import { NODE_BACKENDS } from '../backend/node-backends';

/**
 * Bernoulli rate coding (docs/math.md "Input coding"): each backend's encodeBernoulli against the
 * single rule in engine/encode/bernoulli.ts, and the statistics the rule must have.
 */

/** A Bernoulli code whose arrays live in the backend's memory, filled from a prepared one. */
function codeIn(k: Kernels, c: BernoulliCode): BernoulliCode {
  const copy = <T extends Uint32Array | Int32Array>(a: T, alloc: (n: number) => T): T => {
    const b = alloc(a.length);
    b.set(a);
    return b;
  };
  return {
    steps: c.steps, batch: c.batch, inputs: c.inputs,
    thresholds: copy(c.thresholds, (n) => k.allocU32(n)),
    keys: copy(c.keys, (n) => k.allocU32(n)),
    nonZero: copy(c.nonZero, (n) => k.allocI32(n)),
    nonZeroLen: copy(c.nonZeroLen, (n) => k.allocI32(n)),
  };
}

function encode(k: Kernels, c: BernoulliCode): SpikeLists {
  const out = k.spikeLists(c.steps * c.batch, c.inputs);
  k.encodeBernoulli(codeIn(k, c), out);
  return out;
}

/** The spike lists as plain row arrays, for exact comparison across backends. */
function rowsOf(s: SpikeLists, rows: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from(s.idx.subarray(s.start[r], s.start[r] + s.len[r])));
}

/** mix32⁻¹: undo lowbias32 step by step (xorshifts are inverted by repeating them, multiplies by the inverse mod 2³²). */
function unmix32(y: number): number {
  const inverse = (a: number) => {
    let x = a; // Newton's iteration doubles the correct low bits each round: 3 → 6 → … → 48
    for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(a, x));
    return x;
  };
  let x = y >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, inverse(0x846ca68b));
  x ^= (x >>> 15) ^ (x >>> 30);
  x = Math.imul(x, inverse(0x7feb352d));
  x ^= x >>> 16;
  return x >>> 0;
}

describe('Bernoulli encoding', () => {
  const opened: Kernels[] = [];
  let kernels: [string, Kernels][] = [];
  beforeAll(async () => {
    kernels = [];
    for (const [name, make] of NODE_BACKENDS) {
      const k = await make();
      opened.push(k);
      kernels.push([name, k]);
    }
  });
  afterAll(() => opened.forEach((k) => k.dispose()));

  // Intensities with zeros (dark pixels), ones, and values in between, for 5 samples of 61 inputs.
  const STEPS = 7;
  const BATCH = 5;
  const INPUTS = 61;
  function mixedCode(): { intensities: Float32Array; code: BernoulliCode } {
    const rng = new Rng(3);
    const intensities = Float32Array.from({ length: BATCH * INPUTS }, (_, i) => {
      const kind = rng.uniform();
      return i % INPUTS === 0 ? 1 : kind < 0.4 ? 0 : kind < 0.5 ? 1 : rng.uniform();
    });
    return { intensities, code: prepareBernoulli(intensities, BATCH, INPUTS, STEPS, new Rng(4)) };
  }

  it('every backend gives bit-identical spike lists, equal to bernoulliSpike', () => {
    const { code } = mixedCode();
    const rows = STEPS * BATCH;
    const want = Array.from({ length: rows }, (_, r) =>
      Array.from({ length: INPUTS }, (_, i) => i).filter((i) => bernoulliSpike(code, r, i)));
    for (const [name, k] of kernels) expect(rowsOf(encode(k, code), rows), name).toEqual(want);
  });

  it('spikes only where intensity > 0, and always where it is 1', () => {
    const { intensities, code } = mixedCode();
    const [, k] = kernels[0];
    const lists = rowsOf(encode(k, code), STEPS * BATCH);
    let ones = 0;
    lists.forEach((spikes, r) => {
      const b = r % BATCH;
      const p = (i: number) => intensities[b * INPUTS + i];
      for (const i of spikes) expect(p(i), `row ${r}, input ${i}`).toBeGreaterThan(0);
      for (let i = 0; i < INPUTS; i++) {
        if (p(i) === 1) {
          expect(spikes, `row ${r}: input ${i} has intensity 1`).toContain(i);
          ones++;
        }
      }
    });
    expect(ones).toBeGreaterThan(STEPS * BATCH); // the test saw many intensity-1 inputs
  });

  // The rounding edges of thr = round(p·2³²) − 1: p·2³² exactly 0.5 (a tie, rounded up to 1),
  // just below and above it, 0.25 and 0.75, the smallest f32 intensities, 1 − ulp and 1, beside
  // random values, in samples of 13 inputs.
  function edgeIntensities(): Float32Array {
    const rng = new Rng(9);
    const edges = [0, 2 ** -33, 2 ** -33 * (1 - 2 ** -23), 2 ** -33 * (1 + 2 ** -23), 2 ** -34, 3 * 2 ** -34, 2 ** -149, 2 ** -126, 1 - 2 ** -24, 1, 0.5];
    return Float32Array.from({ length: 13 * 40 }, (_, i) => (i < edges.length ? edges[i]! : rng.uniform() < 0.3 ? 0 : rng.uniform()));
  }

  it('every backend computes the thresholds and non-zero lists of the JavaScript rule, bit for bit', () => {
    const x = edgeIntensities();
    const inputs = 13;
    const batch = x.length / inputs;
    const want = prepareBernoulli(x, batch, inputs, 1, new Rng(1));
    expect(Array.from(want.thresholds.subarray(0, 11))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 4294967039, 4294967295, 2147483647]);
    for (const [name, k] of kernels) {
      for (const owned of [false, true]) {
        const code = codeIn(k, want);
        code.thresholds.fill(7);
        code.nonZeroLen.fill(-1);
        let given = x;
        if (owned) {
          given = k.allocF32(x.length);
          given.set(x);
        }
        k.bernoulliThresholds(given, batch, code);
        const label = `${name}${owned ? ', intensities in its memory' : ''}`;
        expect(Array.from(code.thresholds), label).toEqual(Array.from(want.thresholds));
        expect(Array.from(code.nonZeroLen), label).toEqual(Array.from(want.nonZeroLen));
        for (let b = 0; b < batch; b++) {
          const list = (c: BernoulliCode) => Array.from(c.nonZero.subarray(b * inputs, b * inputs + c.nonZeroLen[b]!));
          expect(list(code), `${label}, sample ${b}`).toEqual(list(want));
        }
      }
    }
    // The tie at p·2³² = 0.5 rounds up (Math.round): a threshold of 0 that spikes on a draw of 0.
    expect(want.nonZero.subarray(0, want.nonZeroLen[0])).toContain(1);
    expect(want.nonZero.subarray(0, want.nonZeroLen[0])).not.toContain(2);
  });

  it.each([NaN, -0.25, 1.5, Infinity])('an intensity of %d is refused by every backend, naming it', (bad) => {
    const x = new Float32Array(3 * 4).fill(0.5);
    x[2 * 4 + 3] = bad;
    x[2 * 4 + 1] = bad; // the first of two is named
    const code = prepareBernoulli(new Float32Array(3 * 4), 3, 4, 1, new Rng(1));
    const message = `Bernoulli coding: intensity of input 1 in sample 2 is ${Math.fround(bad)} (allowed: 0 to 1)`;
    expect(() => bernoulliThresholds(x, 3, code)).toThrow(message);
    for (const [name, k] of kernels) expect(() => k.bernoulliThresholds(x, 3, codeIn(k, code)), name).toThrow(message);
  });

  // p = 1 means every step; the one draw mix32 maps to 2³² − 1 must spike too.
  it('intensity 1 spikes even for the draw that mixes to 2³² − 1', () => {
    expect(mix32(unmix32(0xffffffff))).toBe(0xffffffff);
    const code = prepareBernoulli(Float32Array.of(1, 1, 1), 1, 3, 1, new Rng(1));
    code.keys[0] = (unmix32(0xffffffff) - Math.imul(2, 0x9e3779b9)) >>> 0; // input 2 draws 2³² − 1
    expect.soft(bernoulliSpike(code, 0, 2), 'bernoulliSpike').toBe(true);
    for (const [name, k] of kernels) expect.soft(rowsOf(encode(k, code), 1), name).toEqual([[0, 1, 2]]);
  });

  it.each([0.1, 0.5, 0.9])('empirical rate for p = %d is within 4 standard errors', (p) => {
    const steps = 400;
    const inputs = 50;
    const code = prepareBernoulli(new Float32Array(inputs).fill(p), 1, inputs, steps, new Rng(Math.round(p * 10)));
    for (const [name, k] of kernels) {
      const out = encode(k, code);
      let spikes = 0;
      for (let r = 0; r < steps; r++) spikes += out.len[r];
      const n = steps * inputs;
      const pf = Math.fround(p); // the intensity as stored
      expect(Math.abs(spikes / n - pf), name).toBeLessThanOrEqual(4 * Math.sqrt((pf * (1 - pf)) / n));
    }
  });
});
