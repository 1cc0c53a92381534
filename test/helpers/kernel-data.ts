import type { Kernels, SpikeLists } from '../../engine/backend/types';
import type { Rng } from '../../engine/rng';

/** Row lists of a dense 0/1 matrix, in the backend's memory, with rows = steps·batch time-major. */
export function toLists(k: Kernels, dense: Uint8Array, steps: number, batch: number, cols: number): SpikeLists {
  const rows = steps * batch;
  const s = { ...k.spikeLists(rows, cols), steps };
  for (let r = 0; r < rows; r++) {
    let n = 0;
    for (let i = 0; i < cols; i++) if (dense[r * cols + i]) s.idx[s.start[r]! + n++] = i;
    s.len[r] = n;
  }
  return s;
}

/** Normal values in the backend's memory, a fraction of them exactly 0 (kernels skip zeros). */
export function randomF32(k: Kernels, n: number, rng: Rng, zeroFraction = 0): Float32Array {
  const a = k.allocF32(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform() < zeroFraction ? 0 : rng.normal();
  return a;
}
