/**
 * The update rules, in plain JavaScript (the WASM kernels in engine/wasm/assembly/optim.ts do the
 * same in f32 SIMD). Adam's bias corrections are folded into the step by the caller:
 *   lrT = lr·√(1−β2ᵗ)/(1−β1ᵗ),  epsHat = ε·√(1−β2ᵗ)
 * which equals p ← p − lr·m̂/(√v̂ + ε) with m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ).
 */
export function sgdUpdate(p: Float32Array, g: Float32Array, lr: number): void {
  for (let i = 0; i < p.length; i++) p[i] -= lr * g[i];
}

export function adamUpdate(
  p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array,
  lrT: number, beta1: number, beta2: number, epsHat: number,
): void {
  for (let i = 0; i < p.length; i++) {
    const gi = g[i];
    const mi = (m[i] = beta1 * m[i] + (1 - beta1) * gi);
    const vi = (v[i] = beta2 * v[i] + (1 - beta2) * gi * gi);
    p[i] -= (lrT * mi) / (Math.sqrt(vi) + epsHat);
  }
}
