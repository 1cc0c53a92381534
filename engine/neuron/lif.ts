import type { GradMode, LifScan, SpikeLists } from '../backend/types';
import { SURROGATES } from './surrogates';

/**
 * The iterative LIF neuron of docs/math.md (paper eq. 3–8), as plain-JavaScript scans over a
 * time-major [T·batch, units] matrix (row r = t·batch + b). The tfjs backend runs these between
 * its matmuls; tests use them as the readable reference for the WASM kernels.
 *
 *   u[t] = u[t−1] · tau · (1 − o[t−1]) + x[t] + bias      u[0] = 0, o[0] = 0
 *   o[t] = 1 if u[t] ≥ Vth else 0
 * u, x and Vth are dimensionless potentials; tau is the per-step decay factor.
 */
export function lifForwardScan(xu: Float32Array, bias: Float32Array, lif: LifScan, spikes: SpikeLists): void {
  const { steps, batch, units: n, vth, decay } = lif;
  for (let t = 0; t < steps; t++) {
    for (let b = 0; b < batch; b++) {
      const r = t * batch + b;
      const row = r * n;
      const prevRow = row - batch * n;
      const list = spikes.start[r];
      let count = 0;
      for (let j = 0; j < n; j++) {
        let u = xu[row + j] + bias[j];
        if (t > 0) {
          const prev = xu[prevRow + j];
          if (prev < vth) u += prev * decay;
        }
        // Decide on the stored f32 value: the reset and the backward pass read o back from it.
        const stored = Math.fround(u);
        xu[row + j] = stored;
        if (stored >= vth) spikes.idx[list + count++] = j;
      }
      spikes.len[r] = count;
    }
  }
}

/**
 * The backward scan (docs/math.md "Backward"), in place: g holds ∂L/∂o[t] from above and becomes ε[t].
 *   δ[t] = g[t] + [resetPath] ε[t+1] · u[t] · (−tau)
 *   ε[t] = δ[t] · h(u[t] − Vth) + [leakPath] ε[t+1] · tau · (1 − o[t])
 */
export function lifBackwardScan(u: Float32Array, g: Float32Array, lif: LifScan, mode: GradMode): void {
  const { steps, batch, units: n, vth, decay, width } = lif;
  const h = SURROGATES[lif.surrogateId].derivative;
  const rowsPerStep = batch * n;
  for (let t = steps - 1; t >= 0; t--) {
    const last = t === steps - 1;
    for (let k = t * rowsPerStep, end = k + rowsPerStep; k < end; k++) {
      const uu = u[k];
      const next = last ? 0 : g[k + rowsPerStep];
      const delta = g[k] + (mode.resetPath ? next * uu * -decay : 0);
      const leak = mode.leakPath && uu < vth ? decay : 0;
      g[k] = delta * h(uu - vth, width) + next * leak;
    }
  }
}
