// Building blocks of the conv kernels (conv.ts): runs of SIMD adds, and transposes between
// channel-major rows [channels][positions] and position-major tiles [positions][lanes].

export function lanes4(n: i32): i32 {
  return (n + 3) & ~3;
}

// dst[0 … 4n) += src[0 … 4n): a run of n lane groups, four per step.
@inline export function addRun(dst: usize, src: usize, n: i32): void {
  let v = 0;
  for (; v + 4 <= n; v += 4) {
    const at = <usize>v << 4;
    const a0 = f32x4.add(v128.load(dst + at, 0), v128.load(src + at, 0));
    const a1 = f32x4.add(v128.load(dst + at, 16), v128.load(src + at, 16));
    const a2 = f32x4.add(v128.load(dst + at, 32), v128.load(src + at, 32));
    const a3 = f32x4.add(v128.load(dst + at, 48), v128.load(src + at, 48));
    v128.store(dst + at, a0, 0); v128.store(dst + at, a1, 16); v128.store(dst + at, a2, 32); v128.store(dst + at, a3, 48);
  }
  for (; v < n; v++) {
    const at = <usize>v << 4;
    v128.store(dst + at, f32x4.add(v128.load(dst + at), v128.load(src + at)));
  }
}

// dst[0 … 4n) += s · src[0 … 4n): a run of n lane groups, four per step.
@inline export function addScaledRun(dst: usize, src: usize, s: v128, n: i32): void {
  let v = 0;
  for (; v + 4 <= n; v += 4) {
    const at = <usize>v << 4;
    const a0 = f32x4.add(v128.load(dst + at, 0), f32x4.mul(s, v128.load(src + at, 0)));
    const a1 = f32x4.add(v128.load(dst + at, 16), f32x4.mul(s, v128.load(src + at, 16)));
    const a2 = f32x4.add(v128.load(dst + at, 32), f32x4.mul(s, v128.load(src + at, 32)));
    const a3 = f32x4.add(v128.load(dst + at, 48), f32x4.mul(s, v128.load(src + at, 48)));
    v128.store(dst + at, a0, 0); v128.store(dst + at, a1, 16); v128.store(dst + at, a2, 32); v128.store(dst + at, a3, 48);
  }
  for (; v < n; v++) {
    const at = <usize>v << 4;
    v128.store(dst + at, f32x4.add(v128.load(dst + at), f32x4.mul(s, v128.load(src + at))));
  }
}

// out[ch·n + p] = tile[p·lanes + ch] for ch < channels, p < n: position-major tile → channel-major
// row, in 4×4 blocks transposed in registers.
export function tileToRow(tile: usize, lanes: i32, n: i32, channels: i32, out: usize): void {
  const stride = <usize>lanes << 2;
  const planeBytes = <usize>n << 2;
  let ch = 0;
  for (; ch < channels; ch += 4) {
    const keep = min(4, channels - ch); // output channels of this group that exist
    const src = tile + (<usize>ch << 2);
    const dst = out + <usize>ch * planeBytes;
    let p = 0;
    for (; p + 4 <= n; p += 4) {
      const at = src + <usize>p * stride;
      const r0 = v128.load(at);
      const r1 = v128.load(at + stride);
      const r2 = v128.load(at + 2 * stride);
      const r3 = v128.load(at + 3 * stride);
      const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
      const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
      const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
      const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
      const o = dst + (<usize>p << 2);
      v128.store(o, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
      if (keep > 1) v128.store(o + planeBytes, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
      if (keep > 2) v128.store(o + 2 * planeBytes, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
      if (keep > 3) v128.store(o + 3 * planeBytes, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
    }
    for (; p < n; p++) {
      for (let j = 0; j < keep; j++) {
        store<f32>(dst + <usize>j * planeBytes + (<usize>p << 2), load<f32>(src + <usize>p * stride + (<usize>j << 2)));
      }
    }
  }
}

// tile[p·lanes + ch] = row[ch·n + p] for ch in [c0, c1), p < n (c0 a multiple of 4; the lanes of a
// last partial group past c1 are left as they are): one row's channels into a tile.
export function rowToTile(row: usize, n: i32, c0: i32, c1: i32, lanes: i32, tile: usize): void {
  const stride = <usize>lanes << 2;
  const planeBytes = <usize>n << 2;
  for (let ch = c0; ch < c1; ch += 4) {
    const src = row + <usize>ch * planeBytes;
    const dst = tile + (<usize>ch << 2);
    if (ch + 4 > c1) {
      for (let j = ch; j < c1; j++) {
        for (let p = 0; p < n; p++) store<f32>(dst + <usize>p * stride + (<usize>(j - ch) << 2), load<f32>(src + <usize>(j - ch) * planeBytes + (<usize>p << 2)));
      }
      continue;
    }
    let p = 0;
    for (; p + 4 <= n; p += 4) {
      const at = src + (<usize>p << 2);
      const r0 = v128.load(at);
      const r1 = v128.load(at + planeBytes);
      const r2 = v128.load(at + 2 * planeBytes);
      const r3 = v128.load(at + 3 * planeBytes);
      const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
      const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
      const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
      const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
      const o = dst + <usize>p * stride;
      v128.store(o, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
      v128.store(o + stride, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
      v128.store(o + 2 * stride, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
      v128.store(o + 3 * stride, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
    }
    for (; p < n; p++) {
      for (let j = 0; j < 4; j++) store<f32>(dst + <usize>p * stride + (<usize>j << 2), load<f32>(src + <usize>j * planeBytes + (<usize>p << 2)));
    }
  }
}

// Zero lane groups [v0, v1) of every row of a [rows][lanes] block.
export function clearLanes(a: usize, rows: i32, lanes: i32, v0: i32, v1: i32): void {
  const zero = f32x4.splat(0);
  for (let p = 0; p < rows; p++) {
    const row = a + (<usize>(p * lanes) << 2);
    for (let v = v0; v < v1; v++) v128.store(row + (<usize>v << 4), zero);
  }
}
