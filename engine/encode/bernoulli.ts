import type { BernoulliCode } from '../backend/types';
import type { Rng } from '../rng';

/**
 * Bernoulli rate coding (docs/math.md "Input coding"): at every step t each input i of sample b spikes
 * with probability p = its intensity in [0, 1], independently.
 *
 * The random draw is counter-based so any thread can make any row's spikes: row r = t·batch + b
 * gets a key from the run's RNG, and input i spikes when mix32(key_r + i·φ) < p·2³². The WASM
 * kernel and `encodeBernoulliReference` below compute exactly the same bits.
 */
export function prepareBernoulli(
  intensities: Float32Array, batch: number, inputs: number, steps: number, rng: Rng, code?: BernoulliCode,
): BernoulliCode {
  const c = code ?? emptyCode(steps, batch, inputs);
  bernoulliThresholds(intensities, batch, c);
  drawBernoulliKeys(c, steps * batch, rng);
  return c;
}

/**
 * The per-sample half of the coding: code.thresholds and the non-zero lists of `batch` samples of
 * `code.inputs` intensities each (the WASM backend computes the same bits in a kernel). Throws
 * naming the first intensity outside [0, 1].
 */
export function bernoulliThresholds(intensities: Float32Array, batch: number, c: BernoulliCode): void {
  const inputs = c.inputs;
  for (let b = 0; b < batch; b++) {
    let count = 0;
    for (let i = 0; i < inputs; i++) {
      const p = intensities[b * inputs + i];
      if (!(p >= 0 && p <= 1)) {
        throw new RangeError(`Bernoulli coding: intensity of input ${i} in sample ${b} is ${p} (allowed: 0 to 1)`);
      }
      // Spike iff draw ≤ thr, thr = round(p·2³²) − 1: P = round(p·2³²)/2³², so p = 1 always
      // spikes (thr = 2³² − 1) and inputs that round to P = 0 are never tested.
      const scaled = Math.round(p * 4294967296);
      c.thresholds[b * inputs + i] = scaled > 0 ? scaled - 1 : 0;
      if (scaled > 0) c.nonZero[b * inputs + count++] = i;
    }
    c.nonZeroLen[b] = count;
  }
}

/** The per-row half: one key from the run's RNG for each of the T·batch rows, in row order. */
export function drawBernoulliKeys(c: BernoulliCode, rows: number, rng: Rng): void {
  for (let r = 0; r < rows; r++) c.keys[r] = rng.nextU32();
}

function emptyCode(steps: number, batch: number, inputs: number): BernoulliCode {
  return {
    steps, batch, inputs,
    thresholds: new Uint32Array(batch * inputs),
    keys: new Uint32Array(steps * batch),
    nonZero: new Int32Array(batch * inputs),
    nonZeroLen: new Int32Array(batch),
  };
}

/** lowbias32 (Wellons), the same mixer as engine/wasm/assembly/spikes.ts. */
export function mix32(v: number): number {
  let x = v >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Does input i of row r spike? The single rule both implementations follow. */
export function bernoulliSpike(code: BernoulliCode, r: number, i: number): boolean {
  const b = r % code.batch;
  return mix32((code.keys[r] + Math.imul(i, 0x9e3779b9)) >>> 0) <= code.thresholds[b * code.inputs + i];
}
