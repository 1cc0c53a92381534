// Convolution of analog input (a pooled map), stride 1, scattering an input position's non-zero
// channels four at a time (and its ∂L/∂input, an output position's non-zero ε likewise). The scatter of conv.ts reads and writes the output tile once per input
// channel and 4 multiply-adds, and is bound by those stores (measured: dropping its multiplies
// left its time unchanged). Inputs at one position reach the same outputs through the same taps,
// so here up to four of them are added into each tile entry on one read and one write.
//
// Each output sums its inputs by position (y, x), then channel, where convDense sums by channel,
// then position: the same terms in another order.

import { lifForwardRow } from './lif';
import { lanes4, rowToTile, tileToRow } from './tile';

// out[r] = conv(X[r], W) for rows r = r0, r0 + rowStep, … below r1 (the runtime's strided split:
// a row's cost follows its time step); X analog [rows, inC·inH·inW], stride 1. wf is the
// forward packing of conv-pack.ts plus one slice of zeros after the inC slices (the filler of
// a last group of fewer than four channels). Scratch per thread (`part`) at tiles: the output tile
// [outH·outW][Fp], then three input tiles [inH·inW][Cp] (this row transposed, the last one, zeros),
// and (channel, value) pairs for 4·⌈inC/4⌉ (convScratch floats in all).
export function convByPosition(
  x: usize, r0: i32, r1: i32, rowStep: i32,
  inC: i32, inH: i32, inW: i32, outC: i32, outH: i32, outW: i32, k: i32, pad: i32,
  wf: usize, out: usize, tiles: usize, part: i32,
): void {
  const fp = lanes4(outC);
  const positions = outH * outW;
  const inPositions = inH * inW;
  const xtBytes = <usize>(inPositions * lanes4(inC)) << 2;
  const tile = tiles + <usize>part * (<usize>convScratch(inC, inH, inW, outC, outH, outW) << 2);
  const xt = tile + (<usize>(positions * fp) << 2);
  const zeros = xt + 2 * xtBytes;
  memory.fill(xt, 0, 3 * xtBytes); // lanes past inC stay 0
  for (let r = r0; r < r1; r += rowStep) {
    rowToTile(x + <usize>r * (<usize>(inC * inPositions) << 2), inPositions, 0, inC, lanes4(inC), xt);
    memory.fill(tile, 0, <usize>(positions * fp) << 2);
    scatterRow(xt, zeros, zeros + xtBytes, inC, inH, inW, outC, outH, outW, k, pad, wf, tile);
    tileToRow(tile, fp, positions, outC, out + <usize>r * (<usize>(outC * positions) << 2));
  }
}

// convByPosition for the rows t·batch + b of samples [b0, b1), t < steps (time-major rows of one
// run), each step summed from the sample's previous one by the input's changes:
// out[t] = out[t − 1] + conv(X[t] − X[t − 1], W), with the output tile carried from step to step.
// Pooled spikes change at ~¾ of their non-zero places between steps (measured on the Table V
// net's second convolution), so fewer kernels are scattered; a step whose changes outnumber its
// non-zeros (and the first) is summed afresh. Exact when the differences are (multiples of 1/4:
// pooled spikes); otherwise the sums carry rounding from step to step. Same scratch as convByPosition.
// With `idxOut` ≠ 0, each row then goes through the LIF scan in place (lif.ts lifForwardRow: bias
// per unit, vth, decay; spikes into idxOut + r·n, counts into lenOut) while it and the sample's
// previous row are in cache: the same results as this kernel then lifForward.
export function convByPositionDelta(
  x: usize, b0: i32, b1: i32, steps: i32, batch: i32,
  inC: i32, inH: i32, inW: i32, outC: i32, outH: i32, outW: i32, k: i32, pad: i32,
  wf: usize, out: usize, tiles: usize, part: i32,
  bias: usize, vth: f32, decay: f32, idxOut: usize, lenOut: usize,
): void {
  const n = outC * outH * outW;
  const rowBytes = <usize>n << 2;
  const fp = lanes4(outC);
  const positions = outH * outW;
  const inPositions = inH * inW;
  const xtBytes = <usize>(inPositions * lanes4(inC)) << 2;
  const tile = tiles + <usize>part * (<usize>convScratch(inC, inH, inW, outC, outH, outW) << 2);
  const inputs = tile + (<usize>(positions * fp) << 2);
  const zeros = inputs + 2 * xtBytes;
  memory.fill(inputs, 0, 3 * xtBytes); // lanes past inC stay 0
  for (let b = b0; b < b1; b++) {
    for (let t = 0; t < steps; t++) {
      const r = t * batch + b;
      const xt = inputs + <usize>(t & 1) * xtBytes;
      const last = inputs + <usize>((t + 1) & 1) * xtBytes;
      rowToTile(x + <usize>r * (<usize>(inC * inPositions) << 2), inPositions, 0, inC, lanes4(inC), xt);
      let base = last;
      if (t == 0 || !fewerChanges(xt, last, xtBytes)) {
        memory.fill(tile, 0, <usize>(positions * fp) << 2);
        base = zeros;
      }
      scatterRow(xt, base, zeros + xtBytes, inC, inH, inW, outC, outH, outW, k, pad, wf, tile);
      const row = out + <usize>r * rowBytes;
      tileToRow(tile, fp, positions, outC, row);
      if (idxOut == 0) continue;
      const spikes = lifForwardRow(row, t > 0 ? row - <usize>batch * rowBytes : 0, bias, n, vth, decay, idxOut + (<usize>r * <usize>n << 2));
      store<i32>(lenOut + (<usize>r << 2), spikes);
    }
  }
}

// Floats of scratch per thread for convByPosition and convByPositionDelta.
export function convScratch(inC: i32, inH: i32, inW: i32, outC: i32, outH: i32, outW: i32): i32 {
  return outH * outW * lanes4(outC) + 3 * inH * inW * lanes4(inC) + 2 * lanes4(inC);
}

// True when xt − last has fewer non-zeros than xt (tiles of `bytes`, a multiple of 16).
function fewerChanges(xt: usize, last: usize, bytes: usize): bool {
  const zero = f32x4.splat(0);
  let values = i32x4.splat(0);
  let changes = i32x4.splat(0);
  for (let o: usize = 0; o < bytes; o += 16) {
    const v = v128.load(xt + o);
    values = i32x4.sub(values, f32x4.ne(v, zero));
    changes = i32x4.sub(changes, f32x4.ne(v, v128.load(last + o)));
  }
  const d = i32x4.sub(values, changes);
  return i32x4.extract_lane(d, 0) + i32x4.extract_lane(d, 1) + i32x4.extract_lane(d, 2) + i32x4.extract_lane(d, 3) > 0;
}

// Scatter one row, xt − base (input tiles [inH·inW][Cp]; base all zeros for a row summed afresh),
// into the output tile [outH·outW][Fp]: at each input position, its non-zero channels four at a
// time, listed at `pairs`.
@inline function scatterRow(
  xt: usize, base: usize, pairs: usize, inC: i32, inH: i32, inW: i32, outC: i32, outH: i32, outW: i32, k: i32, pad: i32, wf: usize, tile: usize,
): void {
  const fp = lanes4(outC);
  const cp = lanes4(inC);
  const nv = fp >> 2;
  const rowBytes = <usize>fp << 2;
  const sliceBytes = <usize>(k * k) * rowBytes;
  for (let iy = 0; iy < inH; iy++) {
    for (let ix = 0; ix < inW; ix++) {
      const at0 = <usize>((iy * inW + ix) * cp) << 2;
      const n = listPairs(xt + at0, base + at0, inC, wf, sliceBytes, pairs);
      if (n == 0) continue;
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

// The non-zero channels of values − before at one position (`count` of them; channel c's slice
// at w + c·sliceBytes) as (slice address, value) pairs, without branching on the values, padded
// to a multiple of four with zero pairs on the slice of zeros after the last: how many (0: none).
@inline function listPairs(values: usize, before: usize, count: i32, w: usize, sliceBytes: usize, pairs: usize): i32 {
  let n = 0;
  for (let c = 0; c < count; c++) {
    const v = load<f32>(values + (<usize>c << 2)) - load<f32>(before + (<usize>c << 2));
    const at = pairs + (<usize>n << 3);
    store<u32>(at, <u32>(w + <usize>c * sliceBytes));
    store<f32>(at, v, 4);
    n += i32(v != 0);
  }
  if (n == 0) return 0;
  for (; (n & 3) != 0; n++) {
    const at = pairs + (<usize>n << 3);
    store<u32>(at, <u32>(w + <usize>count * sliceBytes));
    store<f32>(at, 0, 4);
  }
  return n;
}

// ∂L/∂input of a stride-1 convolution for rows r0, r0 + rowStep, … below r1 (early time steps
// carry more non-zero ε than late ones), grouping as convByPosition does: the
// non-zero ε of an output position, four filters at a time, reach the same inputs through the
// same taps. g [rows, outC·outH·outW], out [rows, inC·inH·inW]; wb the backward packing of
// conv-pack.ts plus one slice of zeros after the outC slices. Scratch per thread (`part`): the
// input tile [inH·inW][Cp], g transposed [outH·outW][Fp], pairs for 4·⌈outC/4⌉, Fp zeros.
export function convBackByPosition(
  g: usize, r0: i32, r1: i32, rowStep: i32,
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
  const tile = tiles + <usize>part * (tileBytes + gtBytes + 3 * (<usize>fp << 2));
  const gt = tile + tileBytes;
  const pairs = gt + gtBytes;
  const zeros = pairs + (<usize>fp << 3);
  memory.fill(zeros, 0, <usize>fp << 2);
  const rowBytes = <usize>cp << 2;
  const sliceBytes = <usize>(k * k) * rowBytes;
  memory.fill(gt, 0, gtBytes); // lanes past outC stay 0
  for (let r = r0; r < r1; r += rowStep) {
    rowToTile(g + <usize>r * (<usize>(outC * outPositions) << 2), outPositions, 0, outC, fp, gt);
    memory.fill(tile, 0, tileBytes);
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const n = listPairs(gt + (<usize>((oy * outW + ox) * fp) << 2), zeros, outC, wb, sliceBytes, pairs);
        if (n == 0) continue;
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
