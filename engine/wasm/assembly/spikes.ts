// Spike index lists: encoding, and transposing row lists into column lists.

// lowbias32 (Wellons): a fast 32-bit mixer with good avalanche. engine/encode/bernoulli.ts
// computes the same function in JavaScript so both paths give identical spikes.
@inline function mix32(v: u32): u32 {
  let x = v;
  x ^= x >> 16;
  x *= 0x7feb352d;
  x ^= x >> 15;
  x *= 0x846ca68b;
  x ^= x >> 16;
  return x;
}

// Bernoulli thresholds of samples b in [b0, b1) of [batch, n] intensities x: thr[b, i] =
// round(p·2³²) − 1 (0 where p rounds to 0; round as JavaScript's Math.round, halves up), the inputs
// whose p rounds above 0 listed in order (nz, capacity n; count in nzLen) and, per sample, the
// first input whose intensity is not in [0, 1] plus one in bad[b] (0: none), for the caller to
// name. engine/encode/bernoulli.ts bernoulliThresholds computes the same in JavaScript.
export function bernoulliThresholds(x: usize, n: i32, b0: i32, b1: i32, thr: usize, nz: usize, nzLen: usize, bad: usize): void {
  for (let b = b0; b < b1; b++) {
    const row = (<usize>b * <usize>n) << 2;
    let count = 0;
    let firstBad = 0;
    for (let i = 0; i < n; i++) {
      const p = <f64>load<f32>(x + row + (<usize>i << 2));
      if (!(p >= 0 && p <= 1)) {
        if (firstBad == 0) firstBad = i + 1;
        continue;
      }
      const v = p * 4294967296.0;
      let s = Math.ceil(v);
      if (s - 0.5 > v) s -= 1.0;
      const above = s > 0;
      store<u32>(thr + row + (<usize>i << 2), above ? <u32><i64>(s - 1.0) : 0);
      // Every input is written and kept only when it is above 0: no branch on the pixel.
      store<i32>(nz + row + (<usize>count << 2), i);
      count += i32(above);
    }
    store<i32>(nzLen + (<usize>b << 2), count);
    store<i32>(bad + (<usize>b << 2), firstBad);
  }
}

// Bernoulli rate coding for rows r in [r0, r1) of a [T·batch, n] spike matrix (r = t·batch + b).
// Pixel i of sample b spikes at a step when mix32(key[r] + i·φ) ≤ thr[b, i], thr = p·2³² − 1. Only the
// pixels listed as non-zero for the sample (nz / nzLen, capacity n) are tested: dark pixels never
// spike, and most MNIST pixels are dark.
export function bernoulliEncode(
  thr: usize, keys: usize, nz: usize, nzLen: usize, batch: i32, n: i32,
  r0: i32, r1: i32, idx: usize, len: usize,
): void {
  for (let r = r0; r < r1; r++) {
    const b = r % batch;
    const key = load<u32>(keys + (<usize>r << 2));
    const pixels = nz + (<usize>b * <usize>n << 2);
    const thresholds = thr + (<usize>b * <usize>n << 2);
    const count = load<i32>(nzLen + (<usize>b << 2));
    const list = idx + (<usize>r * <usize>n << 2);
    let spikes = 0;
    // Every candidate is written and kept only when it spikes: no branch on a random draw.
    for (let k = 0; k < count; k++) {
      const i = load<i32>(pixels + (<usize>k << 2));
      store<i32>(list + (<usize>spikes << 2), i);
      spikes += i32(mix32(key + <u32>i * 0x9e3779b9) <= load<u32>(thresholds + (<usize>i << 2)));
    }
    store<i32>(len + (<usize>r << 2), spikes);
  }
}

// Column lists of a binary [rows, cols] time-major matrix given as row lists (capacity rowCap,
// indices ascending, as every producer writes them), for the columns in [c0, c1). Column c lists
// the sample-major positions q = b·steps + t of its rows (the layout packBlocks writes) in
// increasing order, so sums over them are deterministic, at colIdx[c·colCap …] (colCap ≥ rows),
// count in colLen[c]. Threads take column ranges: no counting pass, no shared writes.
export function transposeLists(
  idx: usize, len: usize, rowCap: i32, rows: i32, c0: i32, c1: i32,
  colLen: usize, colIdx: usize, colCap: i32, steps: i32, batch: i32,
): void {
  memory.fill(colLen + (<usize>c0 << 2), 0, <usize>(c1 - c0) << 2);
  for (let q = 0; q < rows; q++) {
    const r = (q % steps) * batch + q / steps;
    const list = idx + (<usize>r * <usize>rowCap << 2);
    const count = load<i32>(len + (<usize>r << 2));
    let k = 0;
    while (k < count && load<i32>(list + (<usize>k << 2)) < c0) k++;
    for (; k < count; k++) {
      const c = load<i32>(list + (<usize>k << 2));
      if (c >= c1) break;
      const at = colLen + (<usize>c << 2);
      const fill = load<i32>(at);
      store<i32>(colIdx + ((<usize>c * <usize>colCap + <usize>fill) << 2), q);
      store<i32>(at, fill + 1);
    }
  }
}
