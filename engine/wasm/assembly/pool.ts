// Average pooling over channel-major maps (engine/backend/types.ts PoolGeometry), rows [r0, r1)
// of a [rows, C·H·W] matrix. Linear: spikes in, window means out (analog values).

// out[r] = pool(S[r]): each spike adds 1/k² to every window it lies in.
export function poolSpikes(
  idx: usize, start: usize, len: usize, r0: i32, r1: i32,
  channels: i32, inH: i32, inW: i32, outH: i32, outW: i32, k: i32, s: i32, out: usize,
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
export function poolBack(
  g: usize, r0: i32, r1: i32,
  channels: i32, inH: i32, inW: i32, outH: i32, outW: i32, k: i32, s: i32, out: usize,
): void {
  const inv: f32 = 1 / <f32>(k * k);
  const inBytes = <usize>(channels * inH * inW) << 2;
  for (let r = r0; r < r1; r++) {
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
