// Fused LIF scans (docs/math.md, eq. 3–8 forward; the four backward cases of eq. 10–23).
// Layout is time-major: row r = t·batch + b of an [T·batch, n] matrix. A thread owns samples
// [b0, b1) for all steps, so the sequential recursion over t never crosses threads.
//
// Spikes are never stored densely: o[t] = u[t] ≥ Vth is recomputed from the kept membrane
// potentials, and the forward pass emits each row's spikes as an index list (for the next layer's
// gather-add and the weight gradient).

// Surrogate ids follow engine/neuron/surrogates.ts: 0 rectangular, 1 polynomial, 2 sigmoid, 3 gaussian.
@inline function surrogate(id: i32, d: f32, a: f32): f32 {
  if (id == 0) return Mathf.abs(d) < a * 0.5 ? 1 / a : 0;
  if (id == 1) {
    const s = Mathf.sqrt(a);
    return Mathf.abs(d) < 2 / s ? s * 0.5 - a * 0.25 * Mathf.abs(d) : 0;
  }
  if (id == 2) {
    const e = Mathf.exp(-d / a);
    return e / (a * (1 + e) * (1 + e));
  }
  return Mathf.exp(-d * d / (2 * a)) / Mathf.sqrt(2 * Mathf.PI * a);
}

// Rectangular and polynomial windows in SIMD; the smooth ones lane by lane (they need exp).
@inline function surrogate4(id: i32, d: v128, a: f32): v128 {
  const ad = f32x4.abs(d);
  if (id == 0) {
    return v128.and(f32x4.lt(ad, f32x4.splat(a * 0.5)), f32x4.splat(1 / a));
  }
  if (id == 1) {
    const s = Mathf.sqrt(a);
    const h = f32x4.sub(f32x4.splat(s * 0.5), f32x4.mul(f32x4.splat(a * 0.25), ad));
    return v128.and(f32x4.lt(ad, f32x4.splat(2 / s)), h);
  }
  let r = f32x4.splat(0);
  r = f32x4.replace_lane(r, 0, surrogate(id, f32x4.extract_lane(d, 0), a));
  r = f32x4.replace_lane(r, 1, surrogate(id, f32x4.extract_lane(d, 1), a));
  r = f32x4.replace_lane(r, 2, surrogate(id, f32x4.extract_lane(d, 2), a));
  r = f32x4.replace_lane(r, 3, surrogate(id, f32x4.extract_lane(d, 3), a));
  return r;
}

const LANE_INDICES = i32x4(0, 1, 2, 3);

// For each 4-bit mask, the byte shuffle that moves the i32 lanes whose bits are set to the front,
// in lane order (the rest: lane 0 again).
const COMPRESS = memory.data<u8>([
  0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3,
  4, 5, 6, 7, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 0, 1, 2, 3,
  8, 9, 10, 11, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 0, 1, 2, 3,
  4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3,
  12, 13, 14, 15, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 12, 13, 14, 15, 0, 1, 2, 3, 0, 1, 2, 3,
  4, 5, 6, 7, 12, 13, 14, 15, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 0, 1, 2, 3,
  8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3,
  4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
]);

// In place: x (synaptic input W·o[t,n−1], without bias) becomes u.
//   u[t] = u[t−1] · tau · (1 − o[t−1]) + x[t] + bias,   o[t] = u[t] ≥ vth
// Spikes of row r are written as indices to idx[r·n …], their count to len[r]. A thread takes
// samples [b0, b1), each step after step, so the row before (same sample) is still in cache.
export function lifForward(
  xu: usize, bias: usize, idx: usize, len: usize,
  steps: i32, batch: i32, n: i32, b0: i32, b1: i32, vth: f32, decay: f32,
): void {
  const rowBytes = <usize>n << 2;
  for (let b = b0; b < b1; b++) {
    for (let t = 0; t < steps; t++) {
      const r = t * batch + b;
      const row = xu + <usize>r * rowBytes;
      const count = lifForwardRow(row, t > 0 ? row - <usize>batch * rowBytes : 0, bias, n, vth, decay, idx + (<usize>r * <usize>n << 2));
      store<i32>(len + (<usize>r << 2), count);
    }
  }
}

// One row of lifForward: x → u in place at `row`, given the same sample's previous step at
// `prev` (0 at t = 0); its spikes' indices into `list`, their count returned.
@inline export function lifForwardRow(row: usize, prev: usize, bias: usize, n: i32, vth: f32, decay: f32, list: usize): i32 {
  const vthv = f32x4.splat(vth);
  const decayv = f32x4.splat(decay);
  let count = 0;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const at = <usize>j << 2;
    let u = f32x4.add(v128.load(row + at), v128.load(bias + at));
    if (prev != 0) {
      const p = v128.load(prev + at);
      const keep = v128.and(f32x4.lt(p, vthv), decayv); // tau·(1 − o[t−1])
      u = f32x4.add(u, f32x4.mul(p, keep));
    }
    v128.store(row + at, u);
    // The indices of the lanes that spiked, moved to the front and stored whole; the count
    // moves on by how many there were. A loop over the mask's bits mispredicted its exit on
    // most groups (firing rates sit near 0.1–0.2, so a group's spike count is a coin toss).
    // The stray lanes past the count land below j + 4 ≤ n: inside this row's list.
    const mask = i32x4.bitmask(f32x4.ge(u, vthv));
    const lanes = i32x4.add(i32x4.splat(j), LANE_INDICES);
    v128.store(list + (<usize>count << 2), i8x16.swizzle(lanes, v128.load(COMPRESS + (<usize>mask << 4))));
    count += <i32>popcnt(mask);
  }
  for (; j < n; j++) {
    const at = <usize>j << 2;
    let u = load<f32>(row + at) + load<f32>(bias + at);
    if (prev != 0) {
      const p = load<f32>(prev + at);
      if (p < vth) u += p * decay;
    }
    store<f32>(row + at, u);
    if (u >= vth) {
      store<i32>(list + (<usize>count << 2), j);
      count++;
    }
  }
  return count;
}

// In place: g holds ∂L/∂o[t] from the layer above (and the loss); it becomes ε[t] = ∂L/∂u[t].
//   δ[t] = g[t] + tdDelta · ε[t+1] · u[t] · (−tau)
//   ε[t] = δ[t] · h(u[t] − vth) + tdEps · ε[t+1] · tau · (1 − o[t])
// STBP: tdDelta = tdEps = 1; SDBP: both 0; detach-reset: tdDelta = 0. A thread takes samples
// [b0, b1), each from its last step back, so ε[t+1] is still in cache.
export function lifBackward(
  u: usize, g: usize, steps: i32, batch: i32, n: i32, b0: i32, b1: i32,
  vth: f32, decay: f32, surrogateId: i32, width: f32, tdDelta: i32, tdEps: i32,
): void {
  const rowBytes = <usize>n << 2;
  const stepBytes = <usize>batch * rowBytes;
  for (let b = b0; b < b1; b++) {
    for (let t = steps - 1; t >= 0; t--) {
      const offset = <usize>(t * batch + b) * rowBytes;
      lifBackwardRow(u + offset, g + offset, t < steps - 1 ? g + offset + stepBytes : 0, n, vth, decay, surrogateId, width, tdDelta, tdEps);
    }
  }
}

// One row of lifBackward: g → ε in place at `grow`, given u at `urow` and the same sample's ε of
// the next step at `next` (0 at the last step).
@inline export function lifBackwardRow(
  urow: usize, grow: usize, next: usize, n: i32, vth: f32, decay: f32, surrogateId: i32, width: f32, tdDelta: i32, tdEps: i32,
): void {
  const vthv = f32x4.splat(vth);
  const resetv = f32x4.splat(tdDelta ? -decay : 0);
  const leakv = f32x4.splat(tdEps ? decay : 0);
  const zero = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const at = <usize>j << 2;
    const uu = v128.load(urow + at);
    const e = next == 0 ? zero : v128.load(next + at);
    const delta = f32x4.add(v128.load(grow + at), f32x4.mul(f32x4.mul(e, uu), resetv));
    const h = surrogate4(surrogateId, f32x4.sub(uu, vthv), width);
    const leak = v128.and(f32x4.lt(uu, vthv), leakv); // tau·(1 − o[t])
    v128.store(grow + at, f32x4.add(f32x4.mul(delta, h), f32x4.mul(e, leak)));
  }
  for (; j < n; j++) {
    const at = <usize>j << 2;
    const uu = load<f32>(urow + at);
    const e: f32 = next == 0 ? 0 : load<f32>(next + at);
    const delta = load<f32>(grow + at) + (tdDelta ? e * uu * -decay : 0);
    const leak: f32 = tdEps && uu < vth ? decay : 0;
    store<f32>(grow + at, delta * surrogate(surrogateId, uu - vth, width) + e * leak);
  }
}
