// Parameter updates over elements [i0, i1) of flat f32 vectors (engine/optim/updates.ts has the
// same rules in JavaScript, with the math documented).

// p ← p − lr·g
export function sgdUpdate(p: usize, g: usize, i0: i32, i1: i32, lr: f32): void {
  const lrv = f32x4.splat(lr);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const at = <usize>i << 2;
    v128.store(p + at, f32x4.sub(v128.load(p + at), f32x4.mul(lrv, v128.load(g + at))));
  }
  for (; i < i1; i++) {
    const at = <usize>i << 2;
    store<f32>(p + at, load<f32>(p + at) - lr * load<f32>(g + at));
  }
}

// m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  p ← p − lrT·m / (√v + epsHat)
// 1−β1 and 1−β2 come in from the caller, computed in f64: 1 − f32(0.999) is 1.3e-5 off 0.001.
export function adamUpdate(
  p: usize, g: usize, m: usize, v: usize, i0: i32, i1: i32,
  lrT: f32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, epsHat: f32,
): void {
  const b1 = f32x4.splat(beta1), c1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2), c2 = f32x4.splat(oneMinusBeta2);
  const lr = f32x4.splat(lrT), eps = f32x4.splat(epsHat);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const at = <usize>i << 2;
    const gi = v128.load(g + at);
    const mi = f32x4.add(f32x4.mul(b1, v128.load(m + at)), f32x4.mul(c1, gi));
    const vi = f32x4.add(f32x4.mul(b2, v128.load(v + at)), f32x4.mul(c2, f32x4.mul(gi, gi)));
    v128.store(m + at, mi);
    v128.store(v + at, vi);
    v128.store(p + at, f32x4.sub(v128.load(p + at), f32x4.div(f32x4.mul(lr, mi), f32x4.add(f32x4.sqrt(vi), eps))));
  }
  for (; i < i1; i++) {
    const at = <usize>i << 2;
    const gi = load<f32>(g + at);
    // The same operations in the same order as the SIMD body: results must not depend on which
    // elements a thread split leaves to this tail.
    const mi = beta1 * load<f32>(m + at) + oneMinusBeta1 * gi;
    const vi = beta2 * load<f32>(v + at) + oneMinusBeta2 * (gi * gi);
    store<f32>(m + at, mi);
    store<f32>(v + at, vi);
    store<f32>(p + at, load<f32>(p + at) - lrT * mi / (Mathf.sqrt(vi) + epsHat));
  }
}
