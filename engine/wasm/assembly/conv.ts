// Convolutions over channel-major maps (engine/backend/types.ts ConvGeometry), row by row of a
// [rows, C·H·W] matrix. Every kernel scatters: it walks the non-zero inputs (spikes, or analog
// values that are not 0) and adds each one's contribution into the outputs its kernel reaches,
// so work ∝ events. The adds run 4 channels per SIMD lane group, into a per-thread tile laid out
// position-major ([positions][channels, padded to a multiple of 4]); the tile is then transposed
// into the channel-major output row. `part` picks the calling thread's tile.
//
// Weights arrive repacked by the caller (engine/backend/conv-pack.ts):
//   forward  wf [inC][k][k][Fp]   = W[f, c, ky, kx]    (Fp = outC rounded up to 4, zero lanes)
//   backward wb [outC][k][k][Cp]  = W[f, c, ky, kx]    (Cp = inC rounded up to 4)
//   gradient dwf [inC][k][k][Fp], unpacked by the caller.

@inline function lanes4(n: i32): i32 {
  return (n + 3) & ~3;
}

// dst[0 … 4·nv) += src[0 … 4·nv)
@inline function addVec(dst: usize, src: usize, nv: i32): void {
  for (let v = 0; v < nv; v++) {
    const at = <usize>v << 4;
    v128.store(dst + at, f32x4.add(v128.load(dst + at), v128.load(src + at)));
  }
}

// dst[0 … 4·nv) += s · src[0 … 4·nv)
@inline function addScaledVec(dst: usize, src: usize, s: v128, nv: i32): void {
  for (let v = 0; v < nv; v++) {
    const at = <usize>v << 4;
    v128.store(dst + at, f32x4.add(v128.load(dst + at), f32x4.mul(s, v128.load(src + at))));
  }
}

// out[ch·n + p] = tile[p·lanes + ch] for ch < channels, p < n: position-major tile → channel-major row.
function tileToRow(tile: usize, lanes: i32, n: i32, channels: i32, out: usize): void {
  for (let ch = 0; ch < channels; ch++) {
    const dst = out + (<usize>(ch * n) << 2);
    const src = tile + (<usize>ch << 2);
    const stride = <usize>lanes << 2;
    for (let p = 0; p < n; p++) store<f32>(dst + (<usize>p << 2), load<f32>(src + <usize>p * stride));
  }
}

// tile[p·lanes + ch] = row[ch·n + p] for ch in [c0, c1), p < n: one row's channels into a tile.
function rowToTile(row: usize, n: i32, c0: i32, c1: i32, lanes: i32, tile: usize): void {
  for (let ch = c0; ch < c1; ch++) {
    const src = row + (<usize>(ch * n) << 2);
    const dst = tile + (<usize>ch << 2);
    const stride = <usize>lanes << 2;
    for (let p = 0; p < n; p++) store<f32>(dst + <usize>p * stride, load<f32>(src + (<usize>p << 2)));
  }
}

// The outputs an input at (iy, ix) reaches: tap (ky, kx) feeds output (oy, ox) with
// oy·s + ky − pad = iy. `scatterInput` visits them all and adds tap rows of `taps` (a [k][k][lanes]
// block: the input's channel slice of wf, or the tile itself for gradients) into `dst` rows, or the
// reverse when `intoTaps` is set (weight gradients: dW tap row += tile row at the output).
@inline function scatterInput(
  iy: i32, ix: i32, k: i32, s: i32, pad: i32, outH: i32, outW: i32,
  taps: usize, tile: usize, lanes: i32, v0: i32, v1: i32, scale: f32, scaled: bool, intoTaps: bool,
): void {
  const y = iy + pad;
  const x = ix + pad;
  const rowBytes = <usize>lanes << 2;
  const first = <usize>v0 << 4;
  const nv = v1 - v0;
  const sv = f32x4.splat(scale);
  for (let ky = y % s; ky < k && ky <= y; ky += s) {
    const oy = (y - ky) / s;
    if (oy >= outH) continue;
    for (let kx = x % s; kx < k && kx <= x; kx += s) {
      const ox = (x - kx) / s;
      if (ox >= outW) continue;
      const t = taps + <usize>(ky * k + kx) * rowBytes + first;
      const o = tile + <usize>(oy * outW + ox) * rowBytes + first;
      if (intoTaps) {
        if (scaled) addScaledVec(t, o, sv, nv);
        else addVec(t, o, nv);
      } else {
        if (scaled) addScaledVec(o, t, sv, nv);
        else addVec(o, t, nv);
      }
    }
  }
}

// out[r] = conv(S[r], W) for rows r in [r0, r1); S binary, as index lists.
export function convSpikes(
  idx: usize, start: usize, len: usize, r0: i32, r1: i32,
  inC: i32, inH: i32, inW: i32, outC: i32, outH: i32, outW: i32, k: i32, s: i32, pad: i32,
  wf: usize, out: usize, tiles: usize, part: i32,
): void {
  const fp = lanes4(outC);
  const positions = outH * outW;
  const tileBytes = <usize>(positions * fp) << 2;
  const tile = tiles + <usize>part * tileBytes;
  const plane = inH * inW;
  const sliceBytes = <usize>(k * k * fp) << 2;
  for (let r = r0; r < r1; r++) {
    memory.fill(tile, 0, tileBytes);
    const list = idx + (<usize>load<i32>(start + (<usize>r << 2)) << 2);
    const count = load<i32>(len + (<usize>r << 2));
    for (let q = 0; q < count; q++) {
      const i = load<i32>(list + (<usize>q << 2));
      const c = i / plane;
      const iy = (i - c * plane) / inW;
      const ix = i - c * plane - iy * inW;
      scatterInput(iy, ix, k, s, pad, outH, outW, wf + <usize>c * sliceBytes, tile, fp, 0, fp >> 2, 1, false, false);
    }
    tileToRow(tile, fp, positions, outC, out + <usize>r * (<usize>(outC * positions) << 2));
  }
}

// out[r] = conv(X[r], W) for rows r in [r0, r1); X analog [rows, inC·inH·inW], zeros skipped.
export function convDense(
  x: usize, r0: i32, r1: i32,
  inC: i32, inH: i32, inW: i32, outC: i32, outH: i32, outW: i32, k: i32, s: i32, pad: i32,
  wf: usize, out: usize, tiles: usize, part: i32,
): void {
  const fp = lanes4(outC);
  const positions = outH * outW;
  const tileBytes = <usize>(positions * fp) << 2;
  const tile = tiles + <usize>part * tileBytes;
  const sliceBytes = <usize>(k * k * fp) << 2;
  for (let r = r0; r < r1; r++) {
    memory.fill(tile, 0, tileBytes);
    let at = x + <usize>r * (<usize>(inC * inH * inW) << 2);
    for (let c = 0; c < inC; c++) {
      const taps = wf + <usize>c * sliceBytes;
      for (let iy = 0; iy < inH; iy++) {
        for (let ix = 0; ix < inW; ix++) {
          const v = load<f32>(at);
          at += 4;
          if (v == 0) continue;
          scatterInput(iy, ix, k, s, pad, outH, outW, taps, tile, fp, 0, fp >> 2, v, true, false);
        }
      }
    }
    tileToRow(tile, fp, positions, outC, out + <usize>r * (<usize>(outC * positions) << 2));
  }
}

// ∂L/∂input for rows in [r0, r1): every non-zero g[f, oy, ox] adds g · W[f, :, ky, kx] to the
// input position its tap (ky, kx) came from. g [rows, outC·outH·outW], out [rows, inC·inH·inW].
export function convBackInput(
  g: usize, r0: i32, r1: i32,
  inC: i32, inH: i32, inW: i32, outC: i32, outH: i32, outW: i32, k: i32, s: i32, pad: i32,
  wb: usize, out: usize, tiles: usize, part: i32,
): void {
  const cp = lanes4(inC);
  const nv = cp >> 2;
  const positions = inH * inW;
  const tileBytes = <usize>(positions * cp) << 2;
  const tile = tiles + <usize>part * tileBytes;
  const rowBytes = <usize>cp << 2;
  for (let r = r0; r < r1; r++) {
    memory.fill(tile, 0, tileBytes);
    let at = g + <usize>r * (<usize>(outC * outH * outW) << 2);
    for (let f = 0; f < outC; f++) {
      const slice = wb + <usize>(f * k * k) * rowBytes;
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const v = load<f32>(at);
          at += 4;
          if (v == 0) continue;
          const sv = f32x4.splat(v);
          for (let ky = 0; ky < k; ky++) {
            const iy = oy * s + ky - pad;
            if (iy < 0) continue;
            if (iy >= inH) break;
            for (let kx = 0; kx < k; kx++) {
              const ix = ox * s + kx - pad;
              if (ix < 0) continue;
              if (ix >= inW) break;
              addScaledVec(tile + <usize>(iy * inW + ix) * rowBytes, slice + <usize>(ky * k + kx) * rowBytes, sv, nv);
            }
          }
        }
      }
    }
    tileToRow(tile, cp, positions, inC, out + <usize>r * (<usize>(inC * positions) << 2));
  }
}

// dW of convSpikes for the output channels in lane groups [v0, v1) (4 channels each), over all
// rows in order, so each sum runs in the same order however the lane groups are split.
export function convSpikesWeightGrad(
  idx: usize, start: usize, len: usize, rows: i32, v0: i32, v1: i32,
  inC: i32, inH: i32, inW: i32, outC: i32, outH: i32, outW: i32, k: i32, s: i32, pad: i32,
  g: usize, dwf: usize, tiles: usize, part: i32,
): void {
  const fp = lanes4(outC);
  const positions = outH * outW;
  const tile = tiles + <usize>part * (<usize>(positions * fp) << 2);
  const plane = inH * inW;
  const sliceBytes = <usize>(k * k * fp) << 2;
  const c1 = min(v1 << 2, outC);
  clearLanes(dwf, inC * k * k, fp, v0, v1);
  clearLanes(tile, positions, fp, v0, v1);
  for (let r = 0; r < rows; r++) {
    const count = load<i32>(len + (<usize>r << 2));
    if (count == 0) continue;
    rowToTile(g + <usize>r * (<usize>(outC * positions) << 2), positions, v0 << 2, c1, fp, tile);
    const list = idx + (<usize>load<i32>(start + (<usize>r << 2)) << 2);
    for (let q = 0; q < count; q++) {
      const i = load<i32>(list + (<usize>q << 2));
      const c = i / plane;
      const iy = (i - c * plane) / inW;
      const ix = i - c * plane - iy * inW;
      scatterInput(iy, ix, k, s, pad, outH, outW, dwf + <usize>c * sliceBytes, tile, fp, v0, v1, 1, false, true);
    }
  }
}

// dW of convDense for the output channels in lane groups [v0, v1); zeros of X skipped.
export function convDenseWeightGrad(
  x: usize, rows: i32, v0: i32, v1: i32,
  inC: i32, inH: i32, inW: i32, outC: i32, outH: i32, outW: i32, k: i32, s: i32, pad: i32,
  g: usize, dwf: usize, tiles: usize, part: i32,
): void {
  const fp = lanes4(outC);
  const positions = outH * outW;
  const tile = tiles + <usize>part * (<usize>(positions * fp) << 2);
  const sliceBytes = <usize>(k * k * fp) << 2;
  const c1 = min(v1 << 2, outC);
  clearLanes(dwf, inC * k * k, fp, v0, v1);
  clearLanes(tile, positions, fp, v0, v1);
  for (let r = 0; r < rows; r++) {
    rowToTile(g + <usize>r * (<usize>(outC * positions) << 2), positions, v0 << 2, c1, fp, tile);
    let at = x + <usize>r * (<usize>(inC * inH * inW) << 2);
    for (let c = 0; c < inC; c++) {
      const taps = dwf + <usize>c * sliceBytes;
      for (let iy = 0; iy < inH; iy++) {
        for (let ix = 0; ix < inW; ix++) {
          const v = load<f32>(at);
          at += 4;
          if (v == 0) continue;
          scatterInput(iy, ix, k, s, pad, outH, outW, taps, tile, fp, v0, v1, v, true, true);
        }
      }
    }
  }
}

// Zero lane groups [v0, v1) of every row of a [rows][lanes] block.
function clearLanes(a: usize, rows: i32, lanes: i32, v0: i32, v1: i32): void {
  const zero = f32x4.splat(0);
  for (let p = 0; p < rows; p++) {
    const row = a + (<usize>(p * lanes) << 2);
    for (let v = v0; v < v1; v++) v128.store(row + (<usize>v << 4), zero);
  }
}
