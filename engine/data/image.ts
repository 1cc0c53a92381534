/**
 * Pure pixel helpers for importing ordinary images: colour conversion and an area-averaging
 * resize. Pixels are bytes, interleaved: row-major, then column, then channel.
 */
import { EngineError } from '../errors';

function checkImage(where: string, pixels: Uint8Array, width: number, height: number, channels: number): void {
  for (const [label, v] of [['width', width], ['height', height], ['channels', channels]] as const) {
    if (!(Number.isSafeInteger(v) && v >= 1)) {
      throw new EngineError('bad-option', `${where}: ${label} is ${v}; allowed: an integer >= 1`);
    }
  }
  const expected = width * height * channels;
  if (pixels.length !== expected) {
    throw new EngineError(
      'bad-option',
      `${where}: image has ${pixels.length} bytes; allowed: exactly ${expected} (width*height*channels = ${width}*${height}*${channels})`,
    );
  }
}

/**
 * Luma of ITU-R BT.601, the weights PIL's convert('L') and OpenCV's RGB2GRAY use:
 * Y = 0.299 R + 0.587 G + 0.114 B, rounded half up. Integer arithmetic makes the rounding
 * exact (no 0.1-style float error at the .5 boundaries). Alpha is ignored, as those libraries do.
 */
export function toGray(rgba: Uint8Array, width: number, height: number): Uint8Array {
  checkImage('toGray', rgba, width, height, 4);
  const out = new Uint8Array(width * height);
  for (let i = 0, o = 0; i < out.length; i++, o += 4) {
    out[i] = Math.floor((299 * rgba[o] + 587 * rgba[o + 1] + 114 * rgba[o + 2] + 500) / 1000);
  }
  return out;
}

/** RGBA → RGB, discarding alpha (as PIL's convert('RGB'), which torchvision's ImageFolder applies). */
export function dropAlpha(rgba: Uint8Array, width: number, height: number): Uint8Array {
  checkImage('dropAlpha', rgba, width, height, 4);
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, o = 0; o < rgba.length; i += 3, o += 4) {
    out[i] = rgba[o];
    out[i + 1] = rgba[o + 1];
    out[i + 2] = rgba[o + 2];
  }
  return out;
}

/**
 * Area-averaging resize (OpenCV INTER_AREA, PIL's BOX filter): each destination pixel is the
 * mean of the source area it covers, source pixels weighted by how much of them it covers.
 * Destination pixel d spans source [d·sw/dw, (d+1)·sw/dw) along x (likewise y). An integer
 * downscale averages whole k×k blocks; an upscale repeats pixels, blending at fractional edges.
 *
 * Weights are integers (lengths in units of 1/(sw·dw)), so sums are exact and the result is the
 * exact mean rounded half up.
 */
export function resizeArea(
  src: Uint8Array,
  sw: number,
  sh: number,
  channels: number,
  dw: number,
  dh: number,
): Uint8Array {
  checkImage('resizeArea (source)', src, sw, sh, channels);
  for (const [label, v] of [['dw', dw], ['dh', dh]] as const) {
    if (!(Number.isSafeInteger(v) && v >= 1)) throw new EngineError('bad-option', `resizeArea: ${label} is ${v}; allowed: an integer >= 1`);
  }
  if (sw === dw && sh === dh) return src.slice();
  const xs = axisWeights(sw, dw);
  const ys = axisWeights(sh, dh);
  // Pass 1: along x, every source row → dw sums, weighted by x-overlaps (sum of weights = sw).
  const rowSums = new Float64Array(sh * dw * channels);
  for (let y = 0; y < sh; y++) {
    for (let d = 0; d < dw; d++) {
      for (let k = xs.start[d]; k < xs.start[d + 1]; k++) {
        const w = xs.weight[k];
        const s = (y * sw + xs.index[k]) * channels;
        const o = (y * dw + d) * channels;
        for (let c = 0; c < channels; c++) rowSums[o + c] += w * src[s + c];
      }
    }
  }
  // Pass 2: along y; the total weight is sw·sh for every destination pixel.
  const out = new Uint8Array(dw * dh * channels);
  const den = sw * sh;
  const acc = new Float64Array(dw * channels);
  for (let d = 0; d < dh; d++) {
    acc.fill(0);
    for (let k = ys.start[d]; k < ys.start[d + 1]; k++) {
      const w = ys.weight[k];
      const row = ys.index[k] * dw * channels;
      for (let i = 0; i < acc.length; i++) acc[i] += w * rowSums[row + i];
    }
    const o = d * dw * channels;
    for (let i = 0; i < acc.length; i++) out[o + i] = Math.floor((2 * acc[i] + den) / (2 * den));
  }
  return out;
}

/**
 * For n source pixels → m destination pixels: source pixel i spans [i·m, (i+1)·m) and
 * destination d spans [d·n, (d+1)·n); `weight` is their overlap. Contributions of d are
 * entries start[d] .. start[d+1]-1 of `index` / `weight`.
 */
function axisWeights(n: number, m: number): { start: Int32Array; index: Int32Array; weight: Float64Array } {
  const start = new Int32Array(m + 1);
  const index: number[] = [];
  const weight: number[] = [];
  for (let d = 0; d < m; d++) {
    start[d] = index.length;
    const lo = d * n;
    const hi = (d + 1) * n;
    for (let i = Math.floor(lo / m); i * m < hi; i++) {
      const overlap = Math.min((i + 1) * m, hi) - Math.max(i * m, lo);
      if (overlap > 0) {
        index.push(i);
        weight.push(overlap);
      }
    }
  }
  start[m] = index.length;
  return { start, index: Int32Array.from(index), weight: Float64Array.from(weight) };
}
