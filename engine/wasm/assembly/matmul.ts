// Matrix kernels over raw pointers into one linear memory (f32 row-major, byte addresses).
// Every kernel takes a row range [r0, r1) so two threads can split the work without locks.
//
// Register blocking: an output row is produced a block of columns at a time in v128 accumulators,
// so each contributing input row is read once per block and the output is written once, instead
// of a load-add-store per contribution.
//
// A binary matrix S times a dense B is a gather-add: out[r] = Σ of the rows of B that S lists for
// r, no multiplies, work ∝ spikes. The same kernel computes dW = Sᵀ·ε from S's column lists.

// out[c, r] = a[r, c] for rows r in [r0, r1) of a ([m, n]); out is [n, m].
export function transpose(a: usize, out: usize, r0: i32, r1: i32, m: i32, n: i32): void {
  for (let r = r0; r < r1; r++) {
    const src = a + (<usize>r * <usize>n << 2);
    for (let c = 0; c < n; c++) {
      store<f32>(out + ((<usize>c * <usize>m + <usize>r) << 2), load<f32>(src + (<usize>c << 2)));
    }
  }
}

// counts[r] = how many entries of row r of a ([m, n]) are not 0, for rows [r0, r1).
export function countNonZeros(a: usize, r0: i32, r1: i32, n: i32, counts: usize): void {
  const zero = f32x4.splat(0);
  for (let r = r0; r < r1; r++) {
    const row = a + (<usize>r * <usize>n << 2);
    let lanes = i32x4.splat(0);
    let k = 0;
    for (; k + 4 <= n; k += 4) lanes = i32x4.sub(lanes, f32x4.ne(v128.load(row + (<usize>k << 2)), zero));
    let count = i32x4.extract_lane(lanes, 0) + i32x4.extract_lane(lanes, 1) + i32x4.extract_lane(lanes, 2) + i32x4.extract_lane(lanes, 3);
    for (; k < n; k++) count += i32(load<f32>(row + (<usize>k << 2)) != 0);
    store<i32>(counts + (<usize>r << 2), count);
  }
}

// out[c] = Σ_r a[r, c] for columns c in [c0, c1): the bias gradient Σ_t,b ε.
export function columnSums(a: usize, out: usize, c0: i32, c1: i32, m: i32, n: i32): void {
  const rowBytes = <usize>n << 2;
  let c = c0;
  for (; c + 4 <= c1; c += 4) {
    let acc = f32x4.splat(0);
    for (let r = 0; r < m; r++) acc = f32x4.add(acc, v128.load(a + <usize>r * rowBytes + (<usize>c << 2)));
    v128.store(out + (<usize>c << 2), acc);
  }
  for (; c < c1; c++) {
    let s: f32 = 0;
    for (let r = 0; r < m; r++) s += load<f32>(a + <usize>r * rowBytes + (<usize>c << 2));
    store<f32>(out + (<usize>c << 2), s);
  }
}

// Row orders. A time-major matrix has row r = t·batch + b; its sample-major position is
// q = b·steps + t. Visiting rows in sample-major order keeps one sample's T steps together: their
// spikes come from the same few active inputs, so the weight rows they gather stay in L1.
// (steps = 1, batch = rows gives the identity.)
@inline function timeMajorRow(q: i32, steps: i32, batch: i32): i32 {
  return (q % steps) * batch + q / steps;
}

// Column-block packing: dst[blk][q][16] = src[r, blk·16 …] for rows r in [r0, r1) of src
// ([rows, n]), q the sample-major position of r; the last block is zero-padded. A gather then
// reads each block as one contiguous region (rows × 64 bytes: one cache line a row) instead of
// pieces strided across the whole matrix, which cost a TLB miss per row on large matrices.
export function packBlocks(src: usize, dst: usize, r0: i32, r1: i32, rows: i32, n: i32, steps: i32, batch: i32): void {
  const blocks = (n + 15) >> 4;
  const blockBytes = <usize>rows << 6;
  for (let r = r0; r < r1; r++) {
    const row = src + (<usize>r * <usize>n << 2);
    const q = (r % batch) * steps + r / batch;
    for (let blk = 0; blk < blocks; blk++) {
      const d = dst + <usize>blk * blockBytes + (<usize>q << 6);
      const c0 = blk << 4;
      if (c0 + 16 <= n) {
        const s = row + (<usize>c0 << 2);
        v128.store(d, v128.load(s, 0), 0); v128.store(d, v128.load(s, 16), 16);
        v128.store(d, v128.load(s, 32), 32); v128.store(d, v128.load(s, 48), 48);
      } else {
        for (let c = 0; c < 16; c++) {
          store<f32>(d + (<usize>c << 2), c0 + c < n ? load<f32>(row + (<usize>(c0 + c) << 2)) : 0);
        }
      }
    }
  }
}

// out[r, :] = Σ_{k < len[r]} B[idx[start[r] + k], :] with B given packed by packBlocks
// (bRows rows, listed by their packed positions). Output rows are visited in sample-major order
// q in [q0, q1) (see timeMajorRow); each row's sum runs in list order, so the split between
// threads never changes a result.
//
// Four accumulators (16 floats) with two list entries per iteration: x64 has 16 vector registers
// and V8 hoists all loads of an iteration, so 8 accumulators + 8 loads spilled one accumulator to
// the stack, and its store-load round trip became the loop's critical path (~10 cycles an entry).
// Pairing entries halves the accumulators' dependency chains.
export function gatherPacked(
  idx: usize, start: usize, len: usize, q0: i32, q1: i32, steps: i32, batch: i32,
  packed: usize, bRows: i32, out: usize, n: i32,
): void {
  const rowBytes = <usize>n << 2;
  const blocks = (n + 15) >> 4;
  for (let blk = 0; blk < blocks; blk++) {
    const base = packed + (<usize>blk * <usize>bRows << 6);
    const c0 = blk << 4;
    for (let q = q0; q < q1; q++) {
      const r = timeMajorRow(q, steps, batch);
      const list = idx + (<usize>load<i32>(start + (<usize>r << 2)) << 2);
      const count = load<i32>(len + (<usize>r << 2));
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
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
        a0 = f32x4.add(a0, v128.load(s0, 0));
        a1 = f32x4.add(a1, v128.load(s0, 16));
        a2 = f32x4.add(a2, v128.load(s0, 32));
        a3 = f32x4.add(a3, v128.load(s0, 48));
      }
      const d = out + <usize>r * rowBytes + (<usize>c0 << 2);
      if (c0 + 16 <= n) {
        v128.store(d, a0, 0); v128.store(d, a1, 16); v128.store(d, a2, 32); v128.store(d, a3, 48);
      } else {
        // A partial last block: store only the columns that exist.
        const tail = n - c0;
        storeTail(d, a0, 0, tail); storeTail(d, a1, 4, tail); storeTail(d, a2, 8, tail); storeTail(d, a3, 12, tail);
      }
    }
  }
}

// Store the lanes of v that fall below `limit` floats, v holding floats first … first+3.
@inline export function storeTail(d: usize, v: v128, first: i32, limit: i32): void {
  if (first < limit) store<f32>(d + (<usize>first << 2), f32x4.extract_lane(v, 0));
  if (first + 1 < limit) store<f32>(d + (<usize>(first + 1) << 2), f32x4.extract_lane(v, 1));
  if (first + 2 < limit) store<f32>(d + (<usize>(first + 2) << 2), f32x4.extract_lane(v, 2));
  if (first + 3 < limit) store<f32>(d + (<usize>(first + 3) << 2), f32x4.extract_lane(v, 3));
}

// C = A·B for a sparse A (a pooling layer's output, or ε; zeros skipped: the surrogate window
// leaves ε mostly 0), in two passes.
// `listNonZeros` lists each row's non-zero entries without branches (index and value, row r at
// lists + r·kDim·8 bytes, its count in counts[r]); `gatherRows` then computes the columns of
// groups [g0, g1) of C (4 columns a group, the last one possibly short), in blocks of
// GATHER_BLOCK columns, for every row from those lists. Threads split groups, not blocks: 300
// columns are 12.5 blocks, which split 7 : 6 left one thread 27% more work. Taking column blocks
// in the outer loop keeps the block of B (kDim × 96 bytes) in cache across all rows, where a
// row-by-row product streams the whole of B once per row. Each output is summed over its row's
// non-zeros in index order, and by one thread, so a thread split never changes a result.
export const GATHER_BLOCK = 24;

export function listNonZeros(a: usize, r0: i32, r1: i32, kDim: i32, lists: usize, counts: usize): void {
  for (let r = r0; r < r1; r++) {
    const arow = a + (<usize>r * <usize>kDim << 2);
    const ks = lists + (<usize>r * <usize>kDim << 3);
    const vs = ks + (<usize>kDim << 2);
    let count = 0;
    for (let k = 0; k < kDim; k++) {
      const v = load<f32>(arow + (<usize>k << 2));
      store<i32>(ks + (<usize>count << 2), k);
      store<f32>(vs + (<usize>count << 2), v);
      count += i32(v != 0);
    }
    store<i32>(counts + (<usize>r << 2), count);
  }
}

// listNonZeros for the rows t·batch + b of one run: a row whose changes from its sample's
// previous step (row r − batch) are fewer than its non-zeros lists those changes instead, its
// count stored as −1 − count; gatherRows then adds them to the previous row's products. Exact
// when the differences are (pooled spikes: quarters); otherwise the sums carry rounding from step
// to step.
export function listChanges(a: usize, r0: i32, r1: i32, kDim: i32, lists: usize, counts: usize, batch: i32): void {
  const rowBytes = <usize>kDim << 2;
  for (let r = r0; r < r1; r++) {
    const arow = a + <usize>r * rowBytes;
    const last = arow - <usize>batch * rowBytes;
    const byChanges = r >= batch && fewerChanges(arow, last, kDim);
    const ks = lists + (<usize>r * <usize>kDim << 3);
    const vs = ks + (<usize>kDim << 2);
    let count = 0;
    for (let k = 0; k < kDim; k++) {
      const v = load<f32>(arow + (<usize>k << 2)) - (byChanges ? load<f32>(last + (<usize>k << 2)) : 0);
      store<i32>(ks + (<usize>count << 2), k);
      store<f32>(vs + (<usize>count << 2), v);
      count += i32(v != 0);
    }
    store<i32>(counts + (<usize>r << 2), byChanges ? -1 - count : count);
  }
}

// True when row − last has fewer non-zeros than row (n floats each).
function fewerChanges(row: usize, last: usize, n: i32): bool {
  const zero = f32x4.splat(0);
  let values = i32x4.splat(0);
  let changes = i32x4.splat(0);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const v = v128.load(row + (<usize>k << 2));
    values = i32x4.sub(values, f32x4.ne(v, zero));
    changes = i32x4.sub(changes, f32x4.ne(v, v128.load(last + (<usize>k << 2))));
  }
  const d = i32x4.sub(values, changes);
  let more = i32x4.extract_lane(d, 0) + i32x4.extract_lane(d, 1) + i32x4.extract_lane(d, 2) + i32x4.extract_lane(d, 3);
  for (; k < n; k++) {
    const v = load<f32>(row + (<usize>k << 2));
    more += i32(v != 0) - i32(v != load<f32>(last + (<usize>k << 2)));
  }
  return more > 0;
}

// Rows listed by listChanges (count −1 − n) start from the row `batch` before, already done:
// rows are visited in order.
export function gatherRows(
  lists: usize, counts: usize, rows: i32, kDim: i32, b: usize, n: i32, out: usize, g0: i32, g1: i32, batch: i32,
): void {
  const rowBytes = <usize>n << 2;
  const end = min(g1 << 2, n);
  const zero = f32x4.splat(0);
  for (let c0 = g0 << 2; c0 < end; c0 += GATHER_BLOCK) {
    const cEnd = min(c0 + GATHER_BLOCK, end);
    for (let r = 0; r < rows; r++) {
      const ks = lists + (<usize>r * <usize>kDim << 3);
      const vs = ks + (<usize>kDim << 2);
      const listed = load<i32>(counts + (<usize>r << 2));
      const fromLast = listed < 0;
      const count = fromLast ? -1 - listed : listed;
      const dst = out + <usize>r * rowBytes;
      const last = dst - <usize>batch * rowBytes;
      let c = c0;
      if (c + GATHER_BLOCK <= cEnd) {
        // Six accumulators: with the six loads V8 hoists and the splat, 13 of x64's 16 vector
        // registers. Eight spilled one accumulator to the stack, a store-load round trip per entry.
        const col = <usize>c << 2;
        let a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero;
        if (fromLast) {
          const p = last + col;
          a0 = v128.load(p, 0); a1 = v128.load(p, 16); a2 = v128.load(p, 32);
          a3 = v128.load(p, 48); a4 = v128.load(p, 64); a5 = v128.load(p, 80);
        }
        for (let q = 0; q < count; q++) {
          const v = v128.load32_splat(vs + (<usize>q << 2));
          const src = b + <usize>load<i32>(ks + (<usize>q << 2)) * rowBytes + col;
          a0 = f32x4.add(a0, f32x4.mul(v, v128.load(src, 0)));
          a1 = f32x4.add(a1, f32x4.mul(v, v128.load(src, 16)));
          a2 = f32x4.add(a2, f32x4.mul(v, v128.load(src, 32)));
          a3 = f32x4.add(a3, f32x4.mul(v, v128.load(src, 48)));
          a4 = f32x4.add(a4, f32x4.mul(v, v128.load(src, 64)));
          a5 = f32x4.add(a5, f32x4.mul(v, v128.load(src, 80)));
        }
        const d = dst + col;
        v128.store(d, a0, 0); v128.store(d, a1, 16); v128.store(d, a2, 32);
        v128.store(d, a3, 48); v128.store(d, a4, 64); v128.store(d, a5, 80);
        continue;
      }
      for (; c + 4 <= cEnd; c += 4) {
        const col = <usize>c << 2;
        let acc = fromLast ? v128.load(last + col) : zero;
        for (let q = 0; q < count; q++) {
          const v = f32x4.splat(load<f32>(vs + (<usize>q << 2)));
          acc = f32x4.add(acc, f32x4.mul(v, v128.load(b + <usize>load<i32>(ks + (<usize>q << 2)) * rowBytes + col)));
        }
        v128.store(dst + col, acc);
      }
      for (; c < cEnd; c++) {
        const col = <usize>c << 2;
        let acc: f32 = fromLast ? load<f32>(last + col) : 0;
        for (let q = 0; q < count; q++) {
          acc += load<f32>(vs + (<usize>q << 2)) * load<f32>(b + <usize>load<i32>(ks + (<usize>q << 2)) * rowBytes + col);
        }
        store<f32>(dst + col, acc);
      }
    }
  }
}
