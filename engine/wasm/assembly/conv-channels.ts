// Convolution of analog input (a pooled map), stride 1, scattering an input position's non-zero
// channels four at a time (and its ∂L/∂input, an output position's non-zero ε likewise). The scatter of conv.ts reads and writes the output tile once per input
// channel and 4 multiply-adds, and is bound by those stores (measured: dropping its multiplies
// left its time unchanged). Inputs at one position reach the same outputs through the same taps,
// so here up to four of them are added into each tile entry on one read and one write.
//
// Each output sums its inputs by position (y, x), then channel, where convDense sums by channel,
// then position: the same terms in another order.

import { lanes4, rowToTile, tileToRow } from './tile';

// out[r] = conv(X[r], W) for rows r in [r0, r1); X analog [rows, inC·inH·inW], stride 1. wf is the
// forward packing of conv-pack.ts plus one slice of zeros after the inC slices (the filler of
// a last group of fewer than four channels). Scratch per thread (`part`) at tiles: the output tile
// [outH·outW][Fp], the input transposed [inH·inW][Cp], and (channel, value) pairs for 4·⌈inC/4⌉.
export function convByPosition(
  x: usize, r0: i32, r1: i32,
  inC: i32, inH: i32, inW: i32, outC: i32, outH: i32, outW: i32, k: i32, pad: i32,
  wf: usize, out: usize, tiles: usize, part: i32,
): void {
  const fp = lanes4(outC);
  const cp = lanes4(inC);
  const nv = fp >> 2;
  const positions = outH * outW;
  const inPositions = inH * inW;
  const tileBytes = <usize>(positions * fp) << 2;
  const xtBytes = <usize>(inPositions * cp) << 2;
  const scratch = tileBytes + xtBytes + (<usize>cp << 3);
  const tile = tiles + <usize>part * scratch;
  const xt = tile + tileBytes;
  const pairs = xt + xtBytes;
  const rowBytes = <usize>fp << 2;
  const sliceBytes = <usize>(k * k) * rowBytes;
  memory.fill(xt, 0, xtBytes); // lanes past inC stay 0
  for (let r = r0; r < r1; r++) {
    rowToTile(x + <usize>r * (<usize>(inC * inPositions) << 2), inPositions, 0, inC, cp, xt);
    memory.fill(tile, 0, tileBytes);
    for (let iy = 0; iy < inH; iy++) {
      for (let ix = 0; ix < inW; ix++) {
        const values = xt + (<usize>((iy * inW + ix) * cp) << 2);
        // The non-zero channels as (slice address, value), without branching on the values.
        let n = 0;
        for (let c = 0; c < inC; c++) {
          const v = load<f32>(values + (<usize>c << 2));
          const at = pairs + (<usize>n << 3);
          store<u32>(at, <u32>(wf + <usize>c * sliceBytes));
          store<f32>(at, v, 4);
          n += i32(v != 0);
        }
        if (n == 0) continue;
        for (; (n & 3) != 0; n++) {
          const at = pairs + (<usize>n << 3);
          store<u32>(at, <u32>(wf + <usize>inC * sliceBytes));
          store<f32>(at, 0, 4);
        }
        // The outputs this input reaches: tap (ky, kx) feeds (y − ky, x − kx), kx stored reversed.
        const y = iy + pad;
        const xx = ix + pad;
        const kxLo = max(0, xx - outW + 1);
        const kxHi = min(k - 1, xx);
        if (kxLo > kxHi) continue;
        const run = (kxHi - kxLo + 1) * nv;
        const kyLo = max(0, y - outH + 1);
        const kyHi = min(k - 1, y);
        for (let q = 0; q < n; q += 4) {
          const at = pairs + (<usize>q << 3);
          const w0 = <usize>load<u32>(at), w1 = <usize>load<u32>(at, 8), w2 = <usize>load<u32>(at, 16), w3 = <usize>load<u32>(at, 24);
          const v0 = v128.load32_splat(at, 4), v1 = v128.load32_splat(at, 12);
          const v2 = v128.load32_splat(at, 20), v3 = v128.load32_splat(at, 28);
          for (let ky = kyLo; ky <= kyHi; ky++) {
            const tap = <usize>(ky * k + k - 1 - kxHi) * rowBytes;
            const o = tile + <usize>((y - ky) * outW + xx - kxHi) * rowBytes;
            addFour(o, w0 + tap, w1 + tap, w2 + tap, w3 + tap, v0, v1, v2, v3, run);
          }
        }
      }
    }
    tileToRow(tile, fp, positions, outC, out + <usize>r * (<usize>(outC * positions) << 2));
  }
}

// o[m] += v0·a[m] + v1·b[m] + v2·c[m] + v3·d[m] (added in that order) for n lane groups. Moving
// pointers, not offsets from loop-invariant bases: V8 kept the bases on the stack and reloaded
// them on every group (1.2x).
@inline function addFour(o: usize, a: usize, b: usize, c: usize, d: usize, v0: v128, v1: v128, v2: v128, v3: v128, n: i32): void {
  const end = o + (<usize>n << 4);
  for (; o < end; o += 16) {
    let s = v128.load(o);
    s = f32x4.add(s, f32x4.mul(v0, v128.load(a)));
    s = f32x4.add(s, f32x4.mul(v1, v128.load(b)));
    s = f32x4.add(s, f32x4.mul(v2, v128.load(c)));
    s = f32x4.add(s, f32x4.mul(v3, v128.load(d)));
    v128.store(o, s);
    a += 16;
    b += 16;
    c += 16;
    d += 16;
  }
}

// ∂L/∂input of a stride-1 convolution for rows [r0, r1), grouping as convByPosition does: the
// non-zero ε of an output position, four filters at a time, reach the same inputs through the
// same taps. g [rows, outC·outH·outW], out [rows, inC·inH·inW]; wb the backward packing of
// conv-pack.ts plus one slice of zeros after the outC slices. Scratch per thread (`part`): the
// input tile [inH·inW][Cp], g transposed [outH·outW][Fp], and pairs for 4·⌈outC/4⌉.
export function convBackByPosition(
  g: usize, r0: i32, r1: i32,
  inC: i32, inH: i32, inW: i32, outC: i32, outH: i32, outW: i32, k: i32, pad: i32,
  wb: usize, out: usize, tiles: usize, part: i32,
): void {
  const cp = lanes4(inC);
  const fp = lanes4(outC);
  const nv = cp >> 2;
  const positions = inH * inW;
  const outPositions = outH * outW;
  const tileBytes = <usize>(positions * cp) << 2;
  const gtBytes = <usize>(outPositions * fp) << 2;
  const tile = tiles + <usize>part * (tileBytes + gtBytes + (<usize>fp << 3));
  const gt = tile + tileBytes;
  const pairs = gt + gtBytes;
  const rowBytes = <usize>cp << 2;
  const sliceBytes = <usize>(k * k) * rowBytes;
  memory.fill(gt, 0, gtBytes); // lanes past outC stay 0
  for (let r = r0; r < r1; r++) {
    rowToTile(g + <usize>r * (<usize>(outC * outPositions) << 2), outPositions, 0, outC, fp, gt);
    memory.fill(tile, 0, tileBytes);
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const values = gt + (<usize>((oy * outW + ox) * fp) << 2);
        let n = 0;
        for (let f = 0; f < outC; f++) {
          const v = load<f32>(values + (<usize>f << 2));
          const at = pairs + (<usize>n << 3);
          store<u32>(at, <u32>(wb + <usize>f * sliceBytes));
          store<f32>(at, v, 4);
          n += i32(v != 0);
        }
        if (n == 0) continue;
        for (; (n & 3) != 0; n++) {
          const at = pairs + (<usize>n << 3);
          store<u32>(at, <u32>(wb + <usize>outC * sliceBytes));
          store<f32>(at, 0, 4);
        }
        // Taps whose input lies inside the map: iy = oy + ky − pad in [0, inH), likewise ix.
        const y0 = oy - pad;
        const x0 = ox - pad;
        const kyLo = max(0, -y0);
        const kyEnd = min(k, inH - y0);
        const kxLo = max(0, -x0);
        const kxEnd = min(k, inW - x0);
        if (kxLo >= kxEnd) continue;
        const run = (kxEnd - kxLo) * nv;
        for (let q = 0; q < n; q += 4) {
          const at = pairs + (<usize>q << 3);
          const w0 = <usize>load<u32>(at), w1 = <usize>load<u32>(at, 8), w2 = <usize>load<u32>(at, 16), w3 = <usize>load<u32>(at, 24);
          const v0 = v128.load32_splat(at, 4), v1 = v128.load32_splat(at, 12);
          const v2 = v128.load32_splat(at, 20), v3 = v128.load32_splat(at, 28);
          for (let ky = kyLo; ky < kyEnd; ky++) {
            const tap = <usize>(ky * k + kxLo) * rowBytes;
            const o = tile + <usize>((y0 + ky) * inW + x0 + kxLo) * rowBytes;
            addFour(o, w0 + tap, w1 + tap, w2 + tap, w3 + tap, v0, v1, v2, v3, run);
          }
        }
      }
    }
    tileToRow(tile, cp, positions, inC, out + <usize>r * (<usize>(inC * positions) << 2));
  }
}
