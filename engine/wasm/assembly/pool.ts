// Average pooling over channel-major maps (engine/backend/types.ts PoolGeometry), rows [r0, r1)
// of a [rows, C·H·W] matrix. Linear: spikes in, window means out (analog values).

// out[r] = pool(S[r]): each spike adds 1/k² to every window it lies in. With non-overlapping
// windows (k ≤ s) a spike lies in at most one, and `map` (0 if absent) names it per input unit
// (−1: in none), so a spike costs one lookup and one add.
export function poolSpikes(
  idx: usize, start: usize, len: usize, r0: i32, r1: i32,
  channels: i32, inH: i32, inW: i32, outH: i32, outW: i32, k: i32, s: i32, out: usize, map: usize,
): void {
  const inv: f32 = 1 / <f32>(k * k);
  const plane = inH * inW;
  const outPlane = outH * outW;
  const rowBytes = <usize>(channels * outPlane) << 2;
  for (let r = r0; r < r1; r++) {
    const o = out + <usize>r * rowBytes;
    memory.fill(o, 0, rowBytes);
    const list = idx + (<usize>load<i32>(start + (<usize>r << 2)) << 2);
    const count = load<i32>(len + (<usize>r << 2));
    if (map != 0) {
      for (let q = 0; q < count; q++) {
        const w = load<i32>(map + (<usize>load<i32>(list + (<usize>q << 2)) << 2));
        if (w < 0) continue;
        const at = o + (<usize>w << 2);
        store<f32>(at, load<f32>(at) + inv);
      }
      continue;
    }
    for (let q = 0; q < count; q++) {
      const i = load<i32>(list + (<usize>q << 2));
      const c = i / plane;
      const iy = (i - c * plane) / inW;
      const ix = i - c * plane - iy * inW;
      // Windows oy with oy·s ≤ iy < oy·s + k.
      const oyHi = min(iy / s, outH - 1);
      const oxHi = min(ix / s, outW - 1);
      const oyLo = iy < k ? 0 : (iy - k) / s + 1;
      const oxLo = ix < k ? 0 : (ix - k) / s + 1;
      for (let oy = oyLo; oy <= oyHi; oy++) {
        for (let ox = oxLo; ox <= oxHi; ox++) {
          const at = o + (<usize>(c * outPlane + oy * outW + ox) << 2);
          store<f32>(at, load<f32>(at) + inv);
        }
      }
    }
  }
}

// out[r, c, oy, ox] = mean of x[r, c] over the window at (oy·s, ox·s).
export function poolDense(
  x: usize, r0: i32, r1: i32,
  channels: i32, inH: i32, inW: i32, outH: i32, outW: i32, k: i32, s: i32, out: usize,
): void {
  const inv: f32 = 1 / <f32>(k * k);
  for (let r = r0; r < r1; r++) {
    for (let c = 0; c < channels; c++) {
      const src = x + (<usize>((r * channels + c) * inH * inW) << 2);
      const dst = out + (<usize>((r * channels + c) * outH * outW) << 2);
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          let sum: f32 = 0;
          for (let ky = 0; ky < k; ky++) {
            const row = src + (<usize>((oy * s + ky) * inW + ox * s) << 2);
            for (let kx = 0; kx < k; kx++) sum += load<f32>(row + (<usize>kx << 2));
          }
          store<f32>(dst + (<usize>(oy * outW + ox) << 2), sum * inv);
        }
      }
    }
  }
}

// out[r, c, iy, ix] = Σ over the windows containing (iy, ix) of g[r, c, oy, ox] / k² (0 if none).
// Non-overlapping windows (k ≤ s) write each input once, no clearing pass and no read-back.
export function poolBack(
  g: usize, r0: i32, r1: i32,
  channels: i32, inH: i32, inW: i32, outH: i32, outW: i32, k: i32, s: i32, out: usize,
): void {
  const inv: f32 = 1 / <f32>(k * k);
  const inBytes = <usize>(channels * inH * inW) << 2;
  for (let r = r0; r < r1; r++) {
    if (k <= s) {
      poolBackDisjoint(g, r, channels, inH, inW, outH, outW, k, s, inv, out);
      continue;
    }
    memory.fill(out + <usize>r * inBytes, 0, inBytes);
    for (let c = 0; c < channels; c++) {
      const src = g + (<usize>((r * channels + c) * outH * outW) << 2);
      const dst = out + (<usize>((r * channels + c) * inH * inW) << 2);
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const v = load<f32>(src + (<usize>(oy * outW + ox) << 2)) * inv;
          for (let ky = 0; ky < k; ky++) {
            const row = dst + (<usize>((oy * s + ky) * inW + ox * s) << 2);
            for (let kx = 0; kx < k; kx++) {
              const at = row + (<usize>kx << 2);
              store<f32>(at, load<f32>(at) + v);
            }
          }
        }
      }
    }
  }
}

// Row r of poolBack for non-overlapping windows (k ≤ s): every input written once. Also the
// fused conv LIF backward's way to spread a pooled gradient (conv-delta.ts).
export function poolBackDisjoint(
  g: usize, r: i32, channels: i32, inH: i32, inW: i32, outH: i32, outW: i32, k: i32, s: i32, inv: f32, out: usize,
): void {
  const rowBytes = <usize>inW << 2;
  const invv = f32x4.splat(inv);
  for (let c = 0; c < channels; c++) {
    const src = g + (<usize>((r * channels + c) * outH * outW) << 2);
    const dst = out + (<usize>((r * channels + c) * inH * inW) << 2);
    for (let iy = 0; iy < inH; iy++) {
      const row = dst + <usize>iy * rowBytes;
      const oy = iy / s;
      if (oy >= outH || iy - oy * s >= k) {
        memory.fill(row, 0, rowBytes);
        continue;
      }
      const grow = src + (<usize>(oy * outW) << 2);
      let ix = 0;
      let ox = 0;
      if (k == 2 && s == 2) {
        // 2×2 windows: four gradients fill eight inputs, [a a b b] [c c d d].
        for (; ox + 4 <= outW; ox += 4) {
          const v = f32x4.mul(v128.load(grow + (<usize>ox << 2)), invv);
          v128.store(row + (<usize>ix << 2), i32x4.shuffle(v, v, 0, 0, 1, 1));
          v128.store(row + (<usize>ix << 2), i32x4.shuffle(v, v, 2, 2, 3, 3), 16);
          ix += 8;
        }
      }
      for (; ox < outW; ox++) {
        const v = load<f32>(grow + (<usize>ox << 2)) * inv;
        for (let kx = 0; kx < k; kx++) store<f32>(row + (<usize>(ix + kx) << 2), v);
        for (let kx = k; kx < s && ix + kx < inW; kx++) store<f32>(row + (<usize>(ix + kx) << 2), 0);
        ix += s;
      }
      for (; ix < inW; ix++) store<f32>(row + (<usize>ix << 2), 0);
    }
  }
}

// out[c] = Σ_r Σ_p a[r, c, p] for channels c in [c0, c1) of a [rows, channels, positions] matrix:
// a convolution's bias gradient, one sum per filter, summed row by row in order.
export function channelSums(a: usize, out: usize, c0: i32, c1: i32, rows: i32, channels: i32, positions: i32): void {
  for (let c = c0; c < c1; c++) {
    let acc = f32x4.splat(0);
    let tail: f32 = 0;
    for (let r = 0; r < rows; r++) {
      const run = a + (<usize>((r * channels + c) * positions) << 2);
      let p = 0;
      for (; p + 4 <= positions; p += 4) acc = f32x4.add(acc, v128.load(run + (<usize>p << 2)));
      for (; p < positions; p++) tail += load<f32>(run + (<usize>p << 2));
    }
    store<f32>(out + (<usize>c << 2), f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3) + tail);
  }
}
