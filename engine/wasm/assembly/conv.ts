// Convolutions over channel-major maps (engine/backend/types.ts ConvGeometry), row by row of a
// [rows, C·H·W] matrix. Every kernel scatters: it walks the non-zero inputs (spikes, or analog
// values that are not 0) and adds each one's contribution into the outputs its kernel reaches,
// so work ∝ events. The adds run 4 channels per SIMD lane group, into a per-thread tile laid out
// position-major ([positions][channels, padded to a multiple of 4]); the tile is then transposed
// into the channel-major output row. `part` picks the calling thread's tile.
//
// Weights arrive repacked by the caller (engine/backend/conv-pack.ts):
//   forward  wf [inC][k][k][Fp]   = W[f, c, ky, k−1−kx] (Fp = outC rounded up to 4, zero lanes)
//   backward wb [outC][k][k][Cp]  = W[f, c, ky, kx]    (Cp = inC rounded up to 4)
//   gradients dwf [inC][k][k][Fp] (kx reversed, like wf) and dwb [outC][k][k][Cp], unpacked by the caller.

import { addRun, addScaledRun, clearLanes, lanes4, rowToTile, tileToRow } from './tile';

// The outputs an input at (iy, ix) reaches: tap (ky, kx) feeds output (oy, ox) with
// oy·s + ky − pad = iy. `scatterInput` adds the input's tap rows of `taps` (its channel's [k][k]
// block of wf, kx stored reversed) into the tile rows of those outputs, or the reverse when
// `intoTaps` is set (weight gradients: tap row += tile row). With stride 1 the outputs of one
// kernel row are neighbours and, kx being reversed, so are their tap rows: one contiguous run of
// adds per kernel row. Other strides step tap by tap (ky ≡ y mod s, oy one down per s).
@inline export function scatterInput(
  iy: i32, ix: i32, k: i32, s: i32, pad: i32, outH: i32, outW: i32,
  taps: usize, tile: usize, lanes: i32, scale: f32, scaled: bool, intoTaps: bool,
): void {
  const y = iy + pad;
  const x = ix + pad;
  const rowBytes = <usize>lanes << 2;
  const nv = lanes >> 2;
  const sv = f32x4.splat(scale);
  if (s == 1) {
    const kxLo = max(0, x - outW + 1);
    const kxHi = min(k - 1, x);
    if (kxLo > kxHi) return;
    const n = (kxHi - kxLo + 1) * nv;
    const kyHi = min(k - 1, y);
    for (let ky = max(0, y - outH + 1); ky <= kyHi; ky++) {
      const t = taps + <usize>(ky * k + k - 1 - kxHi) * rowBytes;
      const o = tile + <usize>((y - ky) * outW + x - kxHi) * rowBytes;
      runOf(o, t, sv, n, scaled, intoTaps);
    }
    return;
  }
  const ky0 = y % s;
  const kx0 = x % s;
  const oyTop = (y - ky0) / s;
  const oxTop = (x - kx0) / s;
  // Skip the taps whose output lies beyond the map's bottom or right edge.
  const skipY = max(0, oyTop - outH + 1);
  const skipX = max(0, oxTop - outW + 1);
  for (let ky = ky0 + skipY * s, oy = oyTop - skipY; ky < k && oy >= 0; ky += s, oy--) {
    let o = tile + <usize>(oy * outW + oxTop - skipX) * rowBytes;
    for (let kx = kx0 + skipX * s; kx < k && o >= tile + <usize>(oy * outW) * rowBytes; kx += s) {
      runOf(o, taps + <usize>(ky * k + k - 1 - kx) * rowBytes, sv, nv, scaled, intoTaps);
      o -= rowBytes;
    }
  }
}

// The run of adds scatterInput asks for: into the tile or into the taps, scaled or not.
@inline function runOf(o: usize, t: usize, sv: v128, n: i32, scaled: bool, intoTaps: bool): void {
  if (intoTaps) {
    if (scaled) addScaledRun(t, o, sv, n);
    else addRun(t, o, n);
  } else {
    if (scaled) addScaledRun(o, t, sv, n);
    else addRun(o, t, n);
  }
}

// i / n for 0 ≤ i, n < 2²⁶, as a multiplication: (i + ½)·(1/n) in f64 never crosses an integer
// the wrong way, and it avoids an integer division per spike.
@inline export function quot(i: i32, recip: f64): i32 {
  return <i32>((<f64>i + 0.5) * recip);
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
  const byPlane = 1 / <f64>plane;
  const byRow = 1 / <f64>inW;
  const sliceBytes = <usize>(k * k * fp) << 2;
  for (let r = r0; r < r1; r++) {
    memory.fill(tile, 0, tileBytes);
    const list = idx + (<usize>load<i32>(start + (<usize>r << 2)) << 2);
    const count = load<i32>(len + (<usize>r << 2));
    for (let q = 0; q < count; q++) {
      const i = load<i32>(list + (<usize>q << 2));
      const c = quot(i, byPlane);
      const iy = quot(i - c * plane, byRow);
      const ix = i - c * plane - iy * inW;
      scatterInput(iy, ix, k, s, pad, outH, outW, wf + <usize>c * sliceBytes, tile, fp, 1, false, false);
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
          scatterInput(iy, ix, k, s, pad, outH, outW, taps, tile, fp, v, true, false);
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
          // Taps whose input lies inside the map: iy = oy·s + ky − pad in [0, inH), likewise ix.
          const y0 = oy * s - pad;
          const x0 = ox * s - pad;
          const kyEnd = min(k, inH - y0);
          const kxLo = max(0, -x0);
          const kxEnd = min(k, inW - x0);
          for (let ky = max(0, -y0); ky < kyEnd; ky++) {
            const t = slice + <usize>(ky * k + kxLo) * rowBytes;
            const o = tile + <usize>((y0 + ky) * inW + x0 + kxLo) * rowBytes;
            addScaledRun(o, t, sv, (kxEnd - kxLo) * nv);
          }
        }
      }
    }
    tileToRow(tile, cp, positions, inC, out + <usize>r * (<usize>(inC * positions) << 2));
  }
}

// dW of convSpikes, as `chunks` partial sums over fixed row ranges (chunk j: rows
// [j·rows/chunks, (j+1)·rows/chunks)), for chunks [j0, j1): partial j at dwf + j·(inC·k·k·Fp)
// floats, each row's spikes added in order. The caller sums the partials in chunk order, so the
// result does not depend on how chunks are split between threads.
export function convSpikesWeightGrad(
  idx: usize, start: usize, len: usize, rows: i32, j0: i32, j1: i32, chunks: i32,
  inC: i32, inH: i32, inW: i32, outC: i32, outH: i32, outW: i32, k: i32, s: i32, pad: i32,
  g: usize, dwf: usize, tiles: usize, part: i32,
): void {
  const fp = lanes4(outC);
  const nv = fp >> 2;
  const positions = outH * outW;
  const tile = tiles + <usize>part * (<usize>(positions * fp) << 2);
  const plane = inH * inW;
  const byPlane = 1 / <f64>plane;
  const byRow = 1 / <f64>inW;
  const sliceBytes = <usize>(k * k * fp) << 2;
  const partialBytes = <usize>inC * sliceBytes;
  clearLanes(tile, positions, fp, 0, nv);
  for (let j = j0; j < j1; j++) {
    const dw = dwf + <usize>j * partialBytes;
    memory.fill(dw, 0, partialBytes);
    const rEnd = <i32>((<i64>(j + 1) * rows) / chunks);
    for (let r = <i32>((<i64>j * rows) / chunks); r < rEnd; r++) {
      const count = load<i32>(len + (<usize>r << 2));
      if (count == 0) continue;
      rowToTile(g + <usize>r * (<usize>(outC * positions) << 2), positions, 0, outC, fp, tile);
      const list = idx + (<usize>load<i32>(start + (<usize>r << 2)) << 2);
      for (let q = 0; q < count; q++) {
        const i = load<i32>(list + (<usize>q << 2));
        const c = quot(i, byPlane);
        const iy = quot(i - c * plane, byRow);
        const ix = i - c * plane - iy * inW;
        scatterInput(iy, ix, k, s, pad, outH, outW, dw + <usize>c * sliceBytes, tile, fp, 1, false, true);
      }
    }
  }
}

// dW of convDense for output channels [f0, f1), driven by the non-zero gradients (after the LIF
// scan most are exactly 0): each g[f, oy, ox] adds g · x[:, iy, ix] to the taps that read input
// (iy, ix). x is transposed into the tile position-major, so the adds run across input channels:
// dwb [outC][k][k][Cp] (Cp = inC rounded up to 4), unpacked by the caller. Rows in order.
export function convDenseWeightGrad(
  x: usize, rows: i32, f0: i32, f1: i32,
  inC: i32, inH: i32, inW: i32, outC: i32, outH: i32, outW: i32, k: i32, s: i32, pad: i32,
  g: usize, dwb: usize, tiles: usize, part: i32,
): void {
  const cp = lanes4(inC);
  const nv = cp >> 2;
  const positions = inH * inW;
  const outPositions = outH * outW;
  const tile = tiles + <usize>part * (<usize>(positions * cp) << 2);
  const rowBytes = <usize>cp << 2;
  const sliceBytes = <usize>(k * k) * rowBytes;
  memory.fill(dwb + <usize>f0 * sliceBytes, 0, <usize>(f1 - f0) * sliceBytes);
  clearLanes(tile, positions, cp, 0, nv);
  for (let r = 0; r < rows; r++) {
    const grow = g + <usize>r * (<usize>(outC * outPositions) << 2);
    rowToTile(x + <usize>r * (<usize>(inC * positions) << 2), positions, 0, inC, cp, tile);
    for (let f = f0; f < f1; f++) {
      const slice = dwb + <usize>f * sliceBytes;
      let at = grow + (<usize>(f * outPositions) << 2);
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const v = load<f32>(at);
          at += 4;
          if (v == 0) continue;
          const sv = f32x4.splat(v);
          const y0 = oy * s - pad;
          const x0 = ox * s - pad;
          const kyEnd = min(k, inH - y0);
          const kxLo = max(0, -x0);
          const kxEnd = min(k, inW - x0);
          for (let ky = max(0, -y0); ky < kyEnd; ky++) {
            const t = slice + <usize>(ky * k + kxLo) * rowBytes;
            const o = tile + <usize>((y0 + ky) * inW + x0 + kxLo) * rowBytes;
            addScaledRun(t, o, sv, (kxEnd - kxLo) * nv);
          }
        }
      }
    }
  }
}
