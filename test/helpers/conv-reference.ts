import type { ConvGeometry, PoolGeometry } from '../../engine/backend/types';

/**
 * Convolution and average pooling as their definitions (engine/backend/types.ts), plain loops in
 * double precision over channel-major rows: the reference every backend's kernels are checked
 * against. Each visits every (output, tap, input) triple of one row.
 */
function eachTap(g: ConvGeometry, visit: (o: number, w: number, i: number) => void): void {
  const { inC, inH, inW, outC, outH, outW, kernel: k, stride: s, pad: p } = g;
  for (let f = 0; f < outC; f++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let c = 0; c < inC; c++) {
          for (let ky = 0; ky < k; ky++) {
            for (let kx = 0; kx < k; kx++) {
              const iy = oy * s + ky - p;
              const ix = ox * s + kx - p;
              if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) continue;
              visit((f * outH + oy) * outW + ox, ((f * inC + c) * k + ky) * k + kx, (c * inH + iy) * inW + ix);
            }
          }
        }
      }
    }
  }
}

const sizes = (g: ConvGeometry) => ({ inSize: g.inC * g.inH * g.inW, outSize: g.outC * g.outH * g.outW });

/** out[r, f, oy, ox] = Σ W[f, c, ky, kx] · x[r, c, oy·s + ky − p, ox·s + kx − p]. */
export function convRef(x: ArrayLike<number>, rows: number, w: ArrayLike<number>, g: ConvGeometry): Float64Array {
  const { inSize, outSize } = sizes(g);
  const out = new Float64Array(rows * outSize);
  for (let r = 0; r < rows; r++) eachTap(g, (o, wi, i) => (out[r * outSize + o] += w[wi]! * x[r * inSize + i]!));
  return out;
}

/** dW[f, c, ky, kx] = Σ_r,oy,ox gr[r, f, oy, ox] · x[r, c, oy·s + ky − p, ox·s + kx − p]. */
export function convWeightGradRef(x: ArrayLike<number>, gr: ArrayLike<number>, rows: number, g: ConvGeometry): Float64Array {
  const { inSize, outSize } = sizes(g);
  const dw = new Float64Array(g.outC * g.inC * g.kernel * g.kernel);
  for (let r = 0; r < rows; r++) eachTap(g, (o, wi, i) => (dw[wi] += gr[r * outSize + o]! * x[r * inSize + i]!));
  return dw;
}

/** dx[r, c, iy, ix] = Σ over the taps that read (c, iy, ix) of gr[r, f, oy, ox] · W[f, c, ky, kx]. */
export function convBackpropInputRef(gr: ArrayLike<number>, w: ArrayLike<number>, rows: number, g: ConvGeometry): Float64Array {
  const { inSize, outSize } = sizes(g);
  const dx = new Float64Array(rows * inSize);
  for (let r = 0; r < rows; r++) eachTap(g, (o, wi, i) => (dx[r * inSize + i] += gr[r * outSize + o]! * w[wi]!));
  return dx;
}

function eachWindowCell(p: PoolGeometry, visit: (o: number, i: number) => void): void {
  for (let c = 0; c < p.channels; c++) {
    for (let oy = 0; oy < p.outH; oy++) {
      for (let ox = 0; ox < p.outW; ox++) {
        for (let ky = 0; ky < p.kernel; ky++) {
          for (let kx = 0; kx < p.kernel; kx++) {
            visit((c * p.outH + oy) * p.outW + ox, (c * p.inH + oy * p.stride + ky) * p.inW + ox * p.stride + kx);
          }
        }
      }
    }
  }
}

/** out[r, c, oy, ox] = mean of x[r, c] over the kernel×kernel window at (oy·s, ox·s). */
export function avgPoolRef(x: ArrayLike<number>, rows: number, p: PoolGeometry): Float64Array {
  const inSize = p.channels * p.inH * p.inW;
  const outSize = p.channels * p.outH * p.outW;
  const out = new Float64Array(rows * outSize);
  const area = p.kernel * p.kernel;
  for (let r = 0; r < rows; r++) eachWindowCell(p, (o, i) => (out[r * outSize + o] += x[r * inSize + i]! / area));
  return out;
}

/** dx[r, c, iy, ix] = Σ over the windows holding (iy, ix) of gr[r, c, oy, ox] / kernel². */
export function avgPoolBackpropRef(gr: ArrayLike<number>, rows: number, p: PoolGeometry): Float64Array {
  const inSize = p.channels * p.inH * p.inW;
  const outSize = p.channels * p.outH * p.outW;
  const dx = new Float64Array(rows * inSize);
  const area = p.kernel * p.kernel;
  for (let r = 0; r < rows; r++) eachWindowCell(p, (o, i) => (dx[r * inSize + i] += gr[r * outSize + o]! / area));
  return dx;
}

/** The output size of a convolution or pooling window along one axis. */
export const outSize = (n: number, kernel: number, stride: number, pad = 0): number => Math.floor((n + 2 * pad - kernel) / stride) + 1;
