// The weight gradient of a convolution of analog input, with the sums in registers:
//   dW[f, c, ky, kx] = Σ_r Σ_(oy,ox) ε[r, f, oy, ox] · x[r, c, oy·s + ky, ox·s + kx]
// conv.ts (convDenseWeightGrad) adds every non-zero ε's patch into dW in memory, a load and a
// store per 4 multiply-adds. Here the 5 taps of one kernel row and 4 input channels of one filter
// stay in 5 registers while a block of rows streams past, so dW is read and written once per block.
// Rows are visited in order and each row's ε in (oy, ox) order, as in conv.ts: the same sums in
// the same order, bit-identical. Valid convolutions only (pad 0: every tap lies inside the map).

import { lanes4, rowToTile } from './tile';

// Rows transposed per block: their tiles (position-major x, Cp lanes) stay in L2 while every
// filter's taps are summed over them.
export const BLOCK = 4;

// dW for output channels [f0, f1) into dwb [outC][k][k][Cp] (conv-pack.ts unpackBackward), every
// row in order. Scratch per thread (`part`): BLOCK tiles of inH·inW·Cp floats at `tiles`, and
// BLOCK·outC lists of outH·outW (address, ε) pairs plus BLOCK·outC counts at `lists`.
export function convWeightGradRegs(
  x: usize, rows: i32, f0: i32, f1: i32,
  inC: i32, inH: i32, inW: i32, outC: i32, outH: i32, outW: i32, k: i32, s: i32,
  g: usize, dwb: usize, tiles: usize, lists: usize, part: i32,
): void {
  const cp = lanes4(inC);
  const positions = inH * inW;
  const outPositions = outH * outW;
  const tileBytes = <usize>(positions * cp) << 2;
  const myTiles = tiles + <usize>part * BLOCK * tileBytes;
  const listBytes = <usize>outPositions << 3;
  const myLists = lists + <usize>part * <usize>BLOCK * <usize>outC * (listBytes + 4);
  const myCounts = myLists + <usize>BLOCK * <usize>outC * listBytes;
  const tapStride = <usize>cp << 2;
  const sliceBytes = <usize>(k * k) * tapStride;
  memory.fill(dwb + <usize>f0 * sliceBytes, 0, <usize>(f1 - f0) * sliceBytes);
  memory.fill(myTiles, 0, BLOCK * tileBytes); // the lanes past inC stay 0
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const inBlock = min(BLOCK, rows - r0);
    for (let j = 0; j < inBlock; j++) {
      const tile = myTiles + <usize>j * tileBytes;
      rowToTile(x + <usize>(r0 + j) * (<usize>(inC * positions) << 2), positions, 0, inC, cp, tile);
      // Each filter's non-zero ε of this row with the tile address of its patch's corner,
      // compacted without branches (an entry is always written, kept when ε ≠ 0).
      const grow = g + <usize>(r0 + j) * (<usize>(outC * outPositions) << 2);
      for (let f = f0; f < f1; f++) {
        const list = myLists + <usize>(j * outC + f) * listBytes;
        let n = 0;
        let at = grow + (<usize>(f * outPositions) << 2);
        for (let oy = 0; oy < outH; oy++) {
          const rowAddr = tile + <usize>(oy * s * inW) * tapStride;
          for (let ox = 0; ox < outW; ox++) {
            const e = load<f32>(at);
            at += 4;
            const entry = list + (<usize>n << 3);
            store<u32>(entry, <u32>(rowAddr + <usize>(ox * s) * tapStride));
            store<f32>(entry, e, 4);
            n += i32(e != 0);
          }
        }
        store<i32>(myCounts + (<usize>(j * outC + f) << 2), n);
      }
    }
    for (let f = f0; f < f1; f++) {
      const fLists = myLists + <usize>f * listBytes;
      const listStride = <usize>outC * listBytes;
      for (let ky = 0; ky < k; ky++) {
        const rowOffset = <usize>(ky * inW) * tapStride;
        for (let kx = 0; kx < k; kx += 5) {
          for (let c = 0; c < cp; c += 4) {
            const dst = dwb + <usize>f * sliceBytes + <usize>(ky * k + kx) * tapStride + (<usize>c << 2);
            const offset = rowOffset + <usize>kx * tapStride + (<usize>c << 2);
            const left = k - kx;
            const counts = myCounts + (<usize>f << 2);
            if (left >= 5) sumTaps(5, dst, fLists, counts, inBlock, listStride, offset, tapStride, outC);
            else if (left == 4) sumTaps(4, dst, fLists, counts, inBlock, listStride, offset, tapStride, outC);
            else if (left == 3) sumTaps(3, dst, fLists, counts, inBlock, listStride, offset, tapStride, outC);
            else if (left == 2) sumTaps(2, dst, fLists, counts, inBlock, listStride, offset, tapStride, outC);
            else sumTaps(1, dst, fLists, counts, inBlock, listStride, offset, tapStride, outC);
          }
        }
      }
    }
  }
}

// Sums into the KX taps at dst (tapStride bytes apart, one lane group each) the products of every
// listed ε with the tile entries its patch covers. Lists are [row of block][filter], outC apart,
// each (tile byte address of the patch's corner, ε) pairs; offset picks the tap and the lanes.
// KX is a constant at every call site: ≤ 5 accumulators, 5 loads and the splat fit in registers.
@inline function sumTaps(
  KX: i32, dst: usize, lists: usize, counts: usize, rowsInBlock: i32, listStride: usize,
  offset: usize, tapStride: usize, outC: i32,
): void {
  let a0 = v128.load(dst);
  let a1 = KX > 1 ? v128.load(dst + tapStride) : a0;
  let a2 = KX > 2 ? v128.load(dst + 2 * tapStride) : a0;
  let a3 = KX > 3 ? v128.load(dst + 3 * tapStride) : a0;
  let a4 = KX > 4 ? v128.load(dst + 4 * tapStride) : a0;
  for (let j = 0; j < rowsInBlock; j++) {
    const list = lists + <usize>j * listStride;
    const n = load<i32>(counts + (<usize>(j * outC) << 2));
    for (let q = 0; q < n; q++) {
      const at = list + (<usize>q << 3);
      const e = v128.load32_splat(at, 4);
      const t = <usize>load<u32>(at) + offset;
      a0 = f32x4.add(a0, f32x4.mul(e, v128.load(t)));
      if (KX > 1) a1 = f32x4.add(a1, f32x4.mul(e, v128.load(t + tapStride)));
      if (KX > 2) a2 = f32x4.add(a2, f32x4.mul(e, v128.load(t + 2 * tapStride)));
      if (KX > 3) a3 = f32x4.add(a3, f32x4.mul(e, v128.load(t + 3 * tapStride)));
      if (KX > 4) a4 = f32x4.add(a4, f32x4.mul(e, v128.load(t + 4 * tapStride)));
    }
  }
  v128.store(dst, a0);
  if (KX > 1) v128.store(dst + tapStride, a1);
  if (KX > 2) v128.store(dst + 2 * tapStride, a2);
  if (KX > 3) v128.store(dst + 3 * tapStride, a3);
  if (KX > 4) v128.store(dst + 4 * tapStride, a4);
}
