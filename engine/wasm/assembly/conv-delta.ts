// The event-driven convolution of conv.ts over rate-coded input spikes, by their changes between
// a sample's steps (deltas.ts): a sample's output tile is carried from step to step and only the
// kernels of spikes that appeared (added) or vanished (subtracted) are scattered; its weight
// gradient by summation by parts, Σ_t s[t]·ε[t] = Σ_t (s[t] − s[t−1])·Q[t], Q[t] = Σ_{t'≥t} ε[t'].
// Threads take whole samples. Change lists name a removed input i as cols + i.

import { quot, scatterInput } from './conv';
import { rowAfresh, sampleByChanges } from './deltas';
import { lifBackwardRow, lifForwardRow } from './lif';
import { poolBackDisjoint } from './pool';
import { lanes4, rowToTile, tileToRow } from './tile';

// out[r] = conv(S[r], W) for the rows of samples [b0, b1). wf is the forward packing of
// conv-pack.ts followed by its negation (2·inC·k·k·Fp floats); one tile per thread (`part`).
// With `idxOut` ≠ 0, each row then goes through the LIF scan in place (lif.ts lifForwardRow:
// bias per unit, vth, decay; spikes into idxOut + r·n, counts into lenOut), while the row and the
// sample's previous one are still in cache: the same results as convSpikes then lifForward.
export function convSpikesDelta(
  idx: usize, start: usize, len: usize, changes: usize, changesLen: usize, changesAt: usize, b0: i32, b1: i32, steps: i32, batch: i32,
  inC: i32, inH: i32, inW: i32, outC: i32, outH: i32, outW: i32, k: i32, s: i32, pad: i32,
  wf: usize, out: usize, tiles: usize, part: i32,
  bias: usize, vth: f32, decay: f32, idxOut: usize, lenOut: usize,
): void {
  const fp = lanes4(outC);
  const positions = outH * outW;
  const n = outC * positions;
  const rowBytes = <usize>n << 2;
  const tileBytes = <usize>(positions * fp) << 2;
  const tile = tiles + <usize>part * tileBytes;
  const plane = inH * inW;
  const byPlane = 1 / <f64>plane;
  const byRow = 1 / <f64>inW;
  const sliceBytes = <usize>(k * k * fp) << 2;
  for (let b = b0; b < b1; b++) {
    for (let t = 0; t < steps; t++) {
      const r = t * batch + b;
      const at = <usize>load<i32>(start + (<usize>r << 2)) << 2;
      let list = changes + (<usize>load<i32>(changesAt + (<usize>r << 2)) << 2);
      let count = load<i32>(changesLen + (<usize>r << 2));
      if (rowAfresh(t, r, len, changesLen)) {
        memory.fill(tile, 0, tileBytes);
        list = idx + at;
        count = load<i32>(len + (<usize>r << 2));
      }
      for (let q = 0; q < count; q++) {
        const i = load<i32>(list + (<usize>q << 2));
        const c = quot(i, byPlane); // cols + i lands in plane inC + c: the negated copy of wf
        const rest = i - c * plane;
        const iy = quot(rest, byRow);
        scatterInput(iy, rest - iy * inW, k, s, pad, outH, outW, wf + <usize>c * sliceBytes, tile, fp, 1, false, false);
      }
      const row = out + <usize>r * rowBytes;
      tileToRow(tile, fp, positions, outC, row);
      if (idxOut == 0) continue;
      const spikes = lifForwardRow(row, t > 0 ? row - <usize>batch * rowBytes : 0, bias, n, vth, decay, idxOut + (<usize>r * <usize>n << 2));
      store<i32>(lenOut + (<usize>r << 2), spikes);
    }
  }
}

// dW of convSpikesDelta as `chunks` partial sums over fixed sample ranges (chunk j: samples
// [j·batch/chunks, (j+1)·batch/chunks)), for chunks [j0, j1): partial j at dwf + j·(inC·k·k·Fp)
// floats, laid out like wf (conv-pack.ts unpackForward sums them in chunk order, so the split
// between threads never changes a result). Per thread two tiles [positions][Fp] at tiles +
// part·2·tile: one step's ε, and the running suffix sum Q.
export function convSpikesWeightGradDelta(
  idx: usize, start: usize, len: usize, changes: usize, changesLen: usize, changesAt: usize, steps: i32, batch: i32, j0: i32, j1: i32, chunks: i32,
  inC: i32, inH: i32, inW: i32, outC: i32, outH: i32, outW: i32, k: i32, s: i32, pad: i32,
  g: usize, dwf: usize, tiles: usize, part: i32,
): void {
  const fp = lanes4(outC);
  const positions = outH * outW;
  const tileBytes = <usize>(positions * fp) << 2;
  const step = tiles + <usize>part * (tileBytes << 1);
  const sum = step + tileBytes;
  const plane = inH * inW;
  const cols = inC * plane;
  const byPlane = 1 / <f64>plane;
  const byRow = 1 / <f64>inW;
  const sliceBytes = <usize>(k * k * fp) << 2;
  const partialBytes = <usize>inC * sliceBytes;
  const rowBytes = <usize>(outC * positions) << 2;
  memory.fill(step, 0, tileBytes << 1); // lanes past outC stay 0
  for (let j = j0; j < j1; j++) {
    const dw = dwf + <usize>j * partialBytes;
    memory.fill(dw, 0, partialBytes);
    const bEnd = <i32>((<i64>(j + 1) * batch) / chunks);
    for (let b = <i32>((<i64>j * batch) / chunks); b < bEnd; b++) {
      const byChanges = sampleByChanges(b, steps, batch, len, changesLen);
      if (byChanges) memory.fill(sum, 0, tileBytes);
      for (let t = steps - 1; t >= 0; t--) {
        const r = t * batch + b;
        rowToTile(g + <usize>r * rowBytes, positions, 0, outC, fp, step);
        const at = <usize>load<i32>(start + (<usize>r << 2)) << 2;
        let list = idx + at;
        let count = load<i32>(len + (<usize>r << 2));
        let from = step;
        if (byChanges) {
          for (let p: usize = 0; p < tileBytes; p += 16) v128.store(sum + p, f32x4.add(v128.load(sum + p), v128.load(step + p)));
          list = changes + (<usize>load<i32>(changesAt + (<usize>r << 2)) << 2);
          count = load<i32>(changesLen + (<usize>r << 2));
          from = sum;
        }
        for (let q = 0; q < count; q++) {
          let i = load<i32>(list + (<usize>q << 2));
          const neg = i >= cols;
          if (neg) i -= cols;
          const c = quot(i, byPlane);
          const rest = i - c * plane;
          const iy = quot(rest, byRow);
          scatterInput(iy, rest - iy * inW, k, s, pad, outH, outW, dw + <usize>c * sliceBytes, from, fp, neg ? -1 : 1, neg, true);
        }
      }
    }
  }
}

// The backward pass of a conv LIF layer fed rate-coded spikes, in one pass over each sample's
// steps from the last: the LIF scan turns g into ε in place (lif.ts lifBackwardRow; the ε of the
// step after is the row just made), ε's channel sums add into the bias partial, and ε feeds the
// weight gradient as in convSpikesWeightGradDelta. Chunks [j0, j1) of `chunks` fixed sample
// ranges: dW partial j at dwf + j·(inC·k·k·Fp) floats, bias partial j at dbp + j·outC floats.
// With gp ≠ 0, g comes from the average pooling above instead (non-overlapping windows pk ≤ ps,
// pooled map pOutH × pOutW per channel): each row of g is spread from gp by pool.ts
// poolBackDisjoint into one of two rows of scratch per thread after the tiles, and ε is never
// stored.
export function convLifBackwardDelta(
  u: usize, g: usize, idx: usize, start: usize, len: usize, changes: usize, changesLen: usize, changesAt: usize,
  steps: i32, batch: i32, j0: i32, j1: i32, chunks: i32,
  inC: i32, inH: i32, inW: i32, outC: i32, outH: i32, outW: i32, k: i32, s: i32, pad: i32,
  dwf: usize, dbp: usize, tiles: usize, part: i32,
  vth: f32, decay: f32, surrogateId: i32, width: f32, tdDelta: i32, tdEps: i32,
  gp: usize, pk: i32, ps: i32, pOutH: i32, pOutW: i32,
): void {
  const fp = lanes4(outC);
  const positions = outH * outW;
  const n = outC * positions;
  const rowBytes = <usize>n << 2;
  const stepBytes = <usize>batch * rowBytes;
  const tileBytes = <usize>(positions * fp) << 2;
  const step = tiles + <usize>part * ((tileBytes << 1) + (rowBytes << 1));
  const sum = step + tileBytes;
  const spread = sum + tileBytes; // two rows of g from the pooling above (gp ≠ 0)
  const pooledRowBytes = <usize>(outC * pOutH * pOutW) << 2;
  const inv: f32 = 1 / <f32>(pk * pk);
  const plane = inH * inW;
  const cols = inC * plane;
  const byPlane = 1 / <f64>plane;
  const byRow = 1 / <f64>inW;
  const sliceBytes = <usize>(k * k * fp) << 2;
  const partialBytes = <usize>inC * sliceBytes;
  memory.fill(step, 0, tileBytes << 1); // lanes past outC stay 0
  for (let j = j0; j < j1; j++) {
    const dw = dwf + <usize>j * partialBytes;
    const db = dbp + (<usize>(j * outC) << 2);
    memory.fill(dw, 0, partialBytes);
    memory.fill(db, 0, <usize>outC << 2);
    const bEnd = <i32>((<i64>(j + 1) * batch) / chunks);
    for (let b = <i32>((<i64>j * batch) / chunks); b < bEnd; b++) {
      const byChanges = sampleByChanges(b, steps, batch, len, changesLen);
      if (byChanges) memory.fill(sum, 0, tileBytes);
      for (let t = steps - 1; t >= 0; t--) {
        const r = t * batch + b;
        let grow = g + <usize>r * rowBytes;
        let next = t < steps - 1 ? grow + stepBytes : 0;
        if (gp != 0) {
          grow = spread + (t & 1 ? rowBytes : 0);
          next = t < steps - 1 ? spread + (t & 1 ? 0 : rowBytes) : 0;
          poolBackDisjoint(gp + <usize>r * pooledRowBytes, 0, outC, outH, outW, pOutH, pOutW, pk, ps, inv, grow);
        }
        lifBackwardRow(u + <usize>r * rowBytes, grow, next, n, vth, decay, surrogateId, width, tdDelta, tdEps);
        addChannelSums(grow, outC, positions, db);
        rowToTile(grow, positions, 0, outC, fp, step);
        const at = <usize>load<i32>(start + (<usize>r << 2)) << 2;
        let list = idx + at;
        let count = load<i32>(len + (<usize>r << 2));
        let from = step;
        if (byChanges) {
          for (let p: usize = 0; p < tileBytes; p += 16) v128.store(sum + p, f32x4.add(v128.load(sum + p), v128.load(step + p)));
          list = changes + (<usize>load<i32>(changesAt + (<usize>r << 2)) << 2);
          count = load<i32>(changesLen + (<usize>r << 2));
          from = sum;
        }
        for (let q = 0; q < count; q++) {
          let i = load<i32>(list + (<usize>q << 2));
          const neg = i >= cols;
          if (neg) i -= cols;
          const c = quot(i, byPlane);
          const rest = i - c * plane;
          const iy = quot(rest, byRow);
          scatterInput(iy, rest - iy * inW, k, s, pad, outH, outW, dw + <usize>c * sliceBytes, from, fp, neg ? -1 : 1, neg, true);
        }
      }
    }
  }
}

// out[c] += Σ_p row[c, p] for the channels of a channel-major row (positions per channel).
@inline function addChannelSums(row: usize, channels: i32, positions: i32, out: usize): void {
  for (let c = 0; c < channels; c++) {
    const run = row + (<usize>(c * positions) << 2);
    let acc = f32x4.splat(0);
    let p = 0;
    for (; p + 4 <= positions; p += 4) acc = f32x4.add(acc, v128.load(run + (<usize>p << 2)));
    let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    for (; p < positions; p++) s += load<f32>(run + (<usize>p << 2));
    const at = out + (<usize>c << 2);
    store<f32>(at, load<f32>(at) + s);
  }
}
