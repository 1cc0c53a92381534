import type { Kernels, SpikeLists } from '../../engine/backend/types';
import type { Rng } from '../../engine/rng';

/**
 * Row lists of a dense 0/1 matrix, in the backend's memory, with rows = steps·batch time-major;
 * with `deltas`, each row's changes from its sample's previous step too (SpikeDeltas).
 */
export function toLists(k: Kernels, dense: Uint8Array, steps: number, batch: number, cols: number, deltas = false): SpikeLists {
  const rows = steps * batch;
  const s = { ...k.spikeLists(rows, cols, deltas), steps };
  for (let r = 0; r < rows; r++) {
    let n = 0;
    for (let i = 0; i < cols; i++) if (dense[r * cols + i]) s.idx[s.start[r]! + n++] = i;
    s.len[r] = n;
  }
  k.spikeDeltas(s);
  return s;
}

/**
 * Rate-coded spikes [steps·batch, cols], time-major: each (sample, input) gets a probability from
 * {0, 0.05, 0.5, 0.97, 1} and spikes at each step with it, so a sample's steps repeat each other
 * as MNIST's do. Samples listed in `uncorrelated` spike at 0.4 everywhere instead (their changes
 * outnumber their spikes).
 */
export function rateCodedSpikes(rng: Rng, steps: number, batch: number, cols: number, uncorrelated: number[] = []): Uint8Array {
  const levels = [0, 0.05, 0.5, 0.97, 1];
  const p = Array.from({ length: batch * cols }, (_, j) => (uncorrelated.includes(Math.floor(j / cols)) ? 0.4 : levels[Math.floor(rng.uniform() * levels.length)]!));
  const s = new Uint8Array(steps * batch * cols);
  for (let t = 0; t < steps; t++) {
    for (let j = 0; j < batch * cols; j++) s[t * batch * cols + j] = rng.uniform() < p[j]! ? 1 : 0;
  }
  return s;
}

/** Normal values in the backend's memory, a fraction of them exactly 0 (kernels skip zeros). */
export function randomF32(k: Kernels, n: number, rng: Rng, zeroFraction = 0): Float32Array {
  const a = k.allocF32(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform() < zeroFraction ? 0 : rng.normal();
  return a;
}

/**
 * A pooled run [steps·batch, cols] in the backend's memory, time-major: each value the mean of
 * four rate-coded spikes (rateCodedSpikes), so in {0, ¼, ½, ¾, 1} and changing at part of its
 * places from step to step, as a 2×2 average pooling of spiking maps does.
 */
export function pooledRun(k: Kernels, rng: Rng, steps: number, batch: number, cols: number, uncorrelated: number[] = []): Float32Array {
  const s = rateCodedSpikes(rng, steps, batch, 4 * cols, uncorrelated);
  const x = k.allocF32(steps * batch * cols);
  for (let i = 0; i < x.length; i++) x[i] = (s[4 * i]! + s[4 * i + 1]! + s[4 * i + 2]! + s[4 * i + 3]!) / 4;
  return x;
}
