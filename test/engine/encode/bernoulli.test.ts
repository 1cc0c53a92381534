import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BernoulliCode, Kernels, SpikeLists } from '../../../engine/backend/types';
import { bernoulliSpike, mix32, prepareBernoulli } from '../../../engine/encode/bernoulli';
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
