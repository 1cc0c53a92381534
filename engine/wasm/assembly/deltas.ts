// Spikes that change between a sample's consecutive steps. Rate-coded input repeats itself: a
// pixel of intensity p spikes at a step with probability p, but changes state between two steps
// with probability 2p(1 − p), and MNIST's bright pixels sit near p = 1 (measured over the
// training set: 102 spikes per image and step, 29 changes). A layer fed by such input updates
// its synaptic sums by the changes (gather-delta.ts, conv-delta.ts) instead of re-adding every
// spike.

// For samples [b0, b1) of time-major rows r = t·batch + b: the changes of row r from row
// r − batch, written at changes + changesAt[r] (i32 elements): the indices r has and r − batch
// lacks (added), ascending, then cols + each index r − batch has and r lacks (removed),
// ascending; at t = 0 every spike is added. A sample's rows follow each other from
// b·2·steps·cols on, so the few pages they touch are all a batch costs in memory. Kernels read an index past cols as "subtract this
// row" (they keep negated copies of their operands past cols). Membership is looked up in two
// byte maps of cols entries per thread (`maps` + part·2·cols, all 0 between samples), so no
// branch depends on the data.
export function spikeDeltas(
  idx: usize, start: usize, len: usize, b0: i32, b1: i32, steps: i32, batch: i32,
  changes: usize, changesLen: usize, changesAt: usize, cols: i32, maps: usize, part: i32,
): void {
  let prevMap = maps + <usize>part * (<usize>cols << 1);
  let curMap = prevMap + <usize>cols;
  for (let b = b0; b < b1; b++) {
    let prev: usize = 0;
    let m = 0;
    let next = b * 2 * steps * cols;
    for (let t = 0; t < steps; t++) {
      const r = t * batch + b;
      const at = <usize>load<i32>(start + (<usize>r << 2)) << 2;
      const cur = idx + at;
      const n = load<i32>(len + (<usize>r << 2));
      for (let i = 0; i < n; i++) store<u8>(curMap + <usize>load<i32>(cur + (<usize>i << 2)), 1);
      // Every entry is written; the count moves on only past the ones that belong.
      const out = changes + (<usize>next << 2);
      store<i32>(changesAt + (<usize>r << 2), next);
      let count = 0;
      for (let i = 0; i < n; i++) {
        const c = load<i32>(cur + (<usize>i << 2));
        store<i32>(out + (<usize>count << 2), c);
        count += 1 - <i32>load<u8>(prevMap + <usize>c);
      }
      for (let j = 0; j < m; j++) {
        const c = load<i32>(prev + (<usize>j << 2));
        store<i32>(out + (<usize>count << 2), cols + c);
        count += 1 - <i32>load<u8>(curMap + <usize>c);
        store<u8>(prevMap + <usize>c, 0);
      }
      store<i32>(changesLen + (<usize>r << 2), count);
      next += count;
      prev = cur;
      m = n;
      const swap = prevMap;
      prevMap = curMap;
      curMap = swap;
    }
    for (let j = 0; j < m; j++) store<u8>(prevMap + <usize>load<i32>(prev + (<usize>j << 2)), 0);
  }
}

// Whether row r (step t) is summed afresh rather than updated by its changes: at t = 0, and
// whenever the changes are not fewer than the spikes.
@inline export function rowAfresh(t: i32, r: i32, len: usize, changesLen: usize): bool {
  const at = <usize>r << 2;
  return t == 0 || load<i32>(changesLen + at) >= load<i32>(len + at);
}

// Whether sample b's weight gradient is taken from its changes (summation by parts:
// Σ_t s[t]·ε[t] = Σ_t (s[t] − s[t−1])·Q[t] with Q[t] = Σ_{t' ≥ t} ε[t']), when that visits
// fewer entries than its spikes.
@inline export function sampleByChanges(b: i32, steps: i32, batch: i32, len: usize, changesLen: usize): bool {
  let spikes = 0;
  let changes = 0;
  for (let t = 0; t < steps; t++) {
    const at = <usize>(t * batch + b) << 2;
    spikes += load<i32>(len + at);
    changes += load<i32>(changesLen + at);
  }
  return changes < spikes;
}
