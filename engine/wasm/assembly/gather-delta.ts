// Gather-adds (matmul.ts gatherPacked) over spike changes (deltas.ts) instead of whole rows.
//   forward    out[t] = out[t − 1] + Σ_{i added at t} W[i] − Σ_{i removed at t} W[i]
//   gradient   dW[i]  = Σ_b Σ_t (s[t, i] − s[t − 1, i]) · Q[t],  Q[t] = Σ_{t' ≥ t} ε[t']
// A subtraction is an addition of a negated row kept past the operand's own rows, so every list
// is one run of adds. Packed operands are 16-column blocks (packBlocks), one cache line a row.

import { rowAfresh, sampleByChanges } from './deltas';
import { storeTail } from './matmul';

// out rows of samples [b0, b1) (time-major r = t·batch + b, n columns) from W packed with its
// negation by packSigned (2·cols rows): a row afresh from its spikes when rowAfresh
// says so, else the previous step's sums plus its changes. Threads take whole samples, visited
// step after step, so a sample's running sums stay in registers.
export function gatherDelta(
  idx: usize, start: usize, len: usize, changes: usize, changesLen: usize, changesAt: usize,
  b0: i32, b1: i32, steps: i32, batch: i32, packed: usize, cols: i32, out: usize, n: i32,
): void {
  const rowBytes = <usize>n << 2;
  const blocks = (n + 15) >> 4;
  for (let blk = 0; blk < blocks; blk++) {
    const base = packed + (<usize>blk * <usize>(2 * cols) << 6);
    const c0 = blk << 4;
    for (let b = b0; b < b1; b++) {
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      for (let t = 0; t < steps; t++) {
        const r = t * batch + b;
        const at = <usize>load<i32>(start + (<usize>r << 2)) << 2;
        let list = changes + (<usize>load<i32>(changesAt + (<usize>r << 2)) << 2);
        let count = load<i32>(changesLen + (<usize>r << 2));
        if (rowAfresh(t, r, len, changesLen)) {
          a0 = f32x4.splat(0); a1 = f32x4.splat(0); a2 = f32x4.splat(0); a3 = f32x4.splat(0);
          list = idx + at;
          count = load<i32>(len + (<usize>r << 2));
        }
        // Two entries a step, the pair's sum first: each accumulator's chain of dependent adds is
        // half as long (gatherPacked in matmul.ts explains the register budget).
        let k = 0;
        for (; k + 2 <= count; k += 2) {
          const s0 = base + (<usize>load<i32>(list + (<usize>k << 2)) << 6);
          const s1 = base + (<usize>load<i32>(list + (<usize>k << 2), 4) << 6);
          a0 = f32x4.add(a0, f32x4.add(v128.load(s0, 0), v128.load(s1, 0)));
          a1 = f32x4.add(a1, f32x4.add(v128.load(s0, 16), v128.load(s1, 16)));
          a2 = f32x4.add(a2, f32x4.add(v128.load(s0, 32), v128.load(s1, 32)));
          a3 = f32x4.add(a3, f32x4.add(v128.load(s0, 48), v128.load(s1, 48)));
        }
        if (k < count) {
          const s0 = base + (<usize>load<i32>(list + (<usize>k << 2)) << 6);
          a0 = f32x4.add(a0, v128.load(s0, 0)); a1 = f32x4.add(a1, v128.load(s0, 16));
          a2 = f32x4.add(a2, v128.load(s0, 32)); a3 = f32x4.add(a3, v128.load(s0, 48));
        }
        storeBlock(out + <usize>r * rowBytes + (<usize>c0 << 2), a0, a1, a2, a3, n - c0);
      }
    }
  }
}

// W [rows, n] packed for gatherDelta: dst[blk][i][16] = W[i, blk·16 …] (the last block
// zero-padded), and dst[blk][rows + i] its negation, for rows i in [r0, r1).
export function packSigned(src: usize, dst: usize, r0: i32, r1: i32, rows: i32, n: i32): void {
  const blocks = (n + 15) >> 4;
  const half = <usize>rows << 6;
  const sign = i32x4.splat(0x80000000);
  for (let r = r0; r < r1; r++) {
    const row = src + (<usize>r * <usize>n << 2);
    for (let blk = 0; blk < blocks; blk++) {
      const d = dst + <usize>blk * (half << 1) + (<usize>r << 6);
      const c0 = blk << 4;
      if (c0 + 16 <= n) {
        const s = row + (<usize>c0 << 2);
        v128.store(d, v128.load(s, 0), 0); v128.store(d, v128.load(s, 16), 16);
        v128.store(d, v128.load(s, 32), 32); v128.store(d, v128.load(s, 48), 48);
      } else {
        for (let c = 0; c < 16; c++) store<f32>(d + (<usize>c << 2), c0 + c < n ? load<f32>(row + (<usize>(c0 + c) << 2)) : 0);
      }
      const neg = d + half;
      v128.store(neg, v128.xor(v128.load(d, 0), sign), 0); v128.store(neg, v128.xor(v128.load(d, 16), sign), 16);
      v128.store(neg, v128.xor(v128.load(d, 32), sign), 32); v128.store(neg, v128.xor(v128.load(d, 48), sign), 48);
    }
  }
}

// 16 floats at d, or the first `limit` of them when fewer columns remain.
@inline function storeBlock(d: usize, a0: v128, a1: v128, a2: v128, a3: v128, limit: i32): void {
  if (limit >= 16) {
    v128.store(d, a0, 0); v128.store(d, a1, 16); v128.store(d, a2, 32); v128.store(d, a3, 48);
    return;
  }
  storeTail(d, a0, 0, limit); storeTail(d, a1, 4, limit); storeTail(d, a2, 8, limit); storeTail(d, a3, 12, limit);
}

// dst[blk][q][16], q = b·steps + t in [0, rows), 16-column blocks of n columns (the last
// zero-padded), for samples [b0, b1): row t·batch + b of src (as packBlocks lays it) or, for a
// sample taken by its changes (sampleByChanges), the suffix sum Q[t] = Σ_{t' ≥ t} of its rows.
export function packSuffix(
  src: usize, dst: usize, b0: i32, b1: i32, rows: i32, n: i32, steps: i32, batch: i32, len: usize, changesLen: usize,
): void {
  const blocks = (n + 15) >> 4;
  const blockBytes = <usize>rows << 6;
  for (let b = b0; b < b1; b++) {
    const byChanges = sampleByChanges(b, steps, batch, len, changesLen);
    for (let blk = 0; blk < blocks; blk++) {
      const c0 = blk << 4;
      const full = c0 + 16 <= n;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      for (let t = steps - 1; t >= 0; t--) {
        const row = src + (<usize>((t * batch + b) * n + c0) << 2);
        const d = dst + <usize>blk * blockBytes + (<usize>(b * steps + t) << 6);
        if (full) {
          a0 = v128.load(row, 0); a1 = v128.load(row, 16); a2 = v128.load(row, 32); a3 = v128.load(row, 48);
        } else {
          for (let c = 0; c < 16; c++) store<f32>(d + (<usize>c << 2), c0 + c < n ? load<f32>(row + (<usize>c << 2)) : 0);
          a0 = v128.load(d, 0); a1 = v128.load(d, 16); a2 = v128.load(d, 32); a3 = v128.load(d, 48);
        }
        if (byChanges && t < steps - 1) {
          const later = d + 64; // Q[t + 1], just written
          a0 = f32x4.add(a0, v128.load(later, 0)); a1 = f32x4.add(a1, v128.load(later, 16));
          a2 = f32x4.add(a2, v128.load(later, 32)); a3 = f32x4.add(a3, v128.load(later, 48));
        }
        v128.store(d, a0, 0); v128.store(d, a1, 16); v128.store(d, a2, 32); v128.store(d, a3, 48);
      }
    }
  }
}

// Column lists for dW = Sᵀ·ε over columns [c0, c1), entries q = b·steps + t naming rows of
// packSuffix's output: a sample taken by its changes lists q under `plus` for each column added
// at step t and under `minus` for each column removed; any other sample lists q under `plus` for
// each column that spiked. Entries ascend within a list; column c's at c·colCap (≤ rows each).
export function transposeDeltaLists(
  idx: usize, start: usize, len: usize, changes: usize, changesLen: usize, changesAt: usize,
  cols: i32, c0: i32, c1: i32, steps: i32, batch: i32,
  plusLen: usize, plusIdx: usize, minusLen: usize, minusIdx: usize, colCap: i32,
): void {
  memory.fill(plusLen + (<usize>c0 << 2), 0, <usize>(c1 - c0) << 2);
  memory.fill(minusLen + (<usize>c0 << 2), 0, <usize>(c1 - c0) << 2);
  for (let b = 0; b < batch; b++) {
    const byChanges = sampleByChanges(b, steps, batch, len, changesLen);
    for (let t = 0; t < steps; t++) {
      const r = t * batch + b;
      const at = <usize>load<i32>(start + (<usize>r << 2)) << 2;
      const q = b * steps + t;
      if (!byChanges) {
        appendToColumns(idx + at, load<i32>(len + (<usize>r << 2)), 0, c0, c1, plusLen, plusIdx, colCap, q);
        continue;
      }
      // Changes: the added indices ascending, then cols + the removed ones ascending.
      const list = changes + (<usize>load<i32>(changesAt + (<usize>r << 2)) << 2);
      const count = load<i32>(changesLen + (<usize>r << 2));
      let split = 0;
      while (split < count && load<i32>(list + (<usize>split << 2)) < cols) split++;
      appendToColumns(list, split, 0, c0, c1, plusLen, plusIdx, colCap, q);
      appendToColumns(list + (<usize>split << 2), count - split, cols, c0, c1, minusLen, minusIdx, colCap, q);
    }
  }
}

// Append `entry` to the column list of every index − offset in [c0, c1) of an ascending list.
@inline function appendToColumns(
  list: usize, count: i32, offset: i32, c0: i32, c1: i32, colLen: usize, colIdx: usize, colCap: i32, entry: i32,
): void {
  let k = 0;
  while (k < count && load<i32>(list + (<usize>k << 2)) - offset < c0) k++;
  for (; k < count; k++) {
    const c = load<i32>(list + (<usize>k << 2)) - offset;
    if (c >= c1) break;
    const at = colLen + (<usize>c << 2);
    const fill = load<i32>(at);
    store<i32>(colIdx + ((<usize>c * <usize>colCap + <usize>fill) << 2), entry);
    store<i32>(at, fill + 1);
  }
}

// out[c] = Σ of the packed rows (bRows rows) that column c's plus list names − Σ of those its
// minus list names, for columns [c0, c1), each out row n floats.
export function gatherSigned(
  plusLen: usize, plusIdx: usize, minusLen: usize, minusIdx: usize, colCap: i32, c0: i32, c1: i32,
  packed: usize, bRows: i32, out: usize, n: i32,
): void {
  const rowBytes = <usize>n << 2;
  const blocks = (n + 15) >> 4;
  for (let blk = 0; blk < blocks; blk++) {
    const base = packed + (<usize>blk * <usize>bRows << 6);
    const col0 = blk << 4;
    for (let c = c0; c < c1; c++) {
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let list = plusIdx + (<usize>c * <usize>colCap << 2);
      let count = load<i32>(plusLen + (<usize>c << 2));
      let k = 0;
      for (; k + 2 <= count; k += 2) {
        const s0 = base + (<usize>load<i32>(list + (<usize>k << 2)) << 6);
        const s1 = base + (<usize>load<i32>(list + (<usize>k << 2), 4) << 6);
        a0 = f32x4.add(a0, f32x4.add(v128.load(s0, 0), v128.load(s1, 0)));
        a1 = f32x4.add(a1, f32x4.add(v128.load(s0, 16), v128.load(s1, 16)));
        a2 = f32x4.add(a2, f32x4.add(v128.load(s0, 32), v128.load(s1, 32)));
        a3 = f32x4.add(a3, f32x4.add(v128.load(s0, 48), v128.load(s1, 48)));
      }
      if (k < count) {
        const s0 = base + (<usize>load<i32>(list + (<usize>k << 2)) << 6);
        a0 = f32x4.add(a0, v128.load(s0, 0)); a1 = f32x4.add(a1, v128.load(s0, 16));
        a2 = f32x4.add(a2, v128.load(s0, 32)); a3 = f32x4.add(a3, v128.load(s0, 48));
      }
      list = minusIdx + (<usize>c * <usize>colCap << 2);
      count = load<i32>(minusLen + (<usize>c << 2));
      for (k = 0; k + 2 <= count; k += 2) {
        const s0 = base + (<usize>load<i32>(list + (<usize>k << 2)) << 6);
        const s1 = base + (<usize>load<i32>(list + (<usize>k << 2), 4) << 6);
        a0 = f32x4.sub(a0, f32x4.add(v128.load(s0, 0), v128.load(s1, 0)));
        a1 = f32x4.sub(a1, f32x4.add(v128.load(s0, 16), v128.load(s1, 16)));
        a2 = f32x4.sub(a2, f32x4.add(v128.load(s0, 32), v128.load(s1, 32)));
        a3 = f32x4.sub(a3, f32x4.add(v128.load(s0, 48), v128.load(s1, 48)));
      }
      if (k < count) {
        const s0 = base + (<usize>load<i32>(list + (<usize>k << 2)) << 6);
        a0 = f32x4.sub(a0, v128.load(s0, 0)); a1 = f32x4.sub(a1, v128.load(s0, 16));
        a2 = f32x4.sub(a2, v128.load(s0, 32)); a3 = f32x4.sub(a3, v128.load(s0, 48));
      }
      storeBlock(out + <usize>c * rowBytes + (<usize>col0 << 2), a0, a1, a2, a3, n - col0);
    }
  }
}
