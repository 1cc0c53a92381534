import type { ConvGeometry } from './types';

/**
 * Weight layouts for kernels that add 4 channels at a time (engine/wasm/assembly/conv.ts). W is
 * [outC, inC, k, k]; each packed row holds one tap's weights across the channels the kernel adds,
 * padded with zeros to a multiple of 4.
 */
export const lanes4 = (n: number): number => (n + 3) & ~3;

/**
 * wf[c][ky][k−1−kx][f] = W[f, c, ky, kx]: an input's tap rows across output channels, each kernel
 * row reversed so that the outputs it feeds and its taps run in the same direction (forward, dW).
 */
export function packForward(w: Float32Array, g: ConvGeometry, wf: Float32Array): void {
  const fp = lanes4(g.outC);
  const taps = g.kernel * g.kernel;
  wf.fill(0, 0, g.inC * taps * fp);
  for (let f = 0; f < g.outC; f++) {
    for (let c = 0; c < g.inC; c++) {
      for (let t = 0; t < taps; t++) wf[(c * taps + reversedTap(t, g.kernel)) * fp + f] = w[(f * g.inC + c) * taps + t]!;
    }
  }
}

/** Tap ky·k + kx as ky·k + (k − 1 − kx). */
const reversedTap = (t: number, k: number): number => t - (t % k) + (k - 1 - (t % k));

/** wb[f][ky][kx][c] = W[f, c, ky, kx]: an output's tap rows across input channels (∂L/∂input). */
export function packBackward(w: Float32Array, g: ConvGeometry, wb: Float32Array): void {
  const cp = lanes4(g.inC);
  const taps = g.kernel * g.kernel;
  wb.fill(0, 0, g.outC * taps * cp);
  for (let f = 0; f < g.outC; f++) {
    for (let c = 0; c < g.inC; c++) {
      for (let t = 0; t < taps; t++) wb[(f * taps + t) * cp + c] = w[(f * g.inC + c) * taps + t]!;
    }
  }
}

/**
 * dW[f, c, ky, kx] = Σ_j dwf[j][c][ky][k−1−kx][f]: a gradient accumulated in the forward layout as
 * `partials` partial sums, added in order and unpacked.
 */
export function unpackForward(dwf: Float32Array, g: ConvGeometry, dw: Float32Array, partials = 1): void {
  const fp = lanes4(g.outC);
  const taps = g.kernel * g.kernel;
  const size = g.inC * taps * fp;
  for (let f = 0; f < g.outC; f++) {
    for (let c = 0; c < g.inC; c++) {
      for (let t = 0; t < taps; t++) {
        let sum = 0;
        for (let j = 0; j < partials; j++) sum += dwf[j * size + (c * taps + reversedTap(t, g.kernel)) * fp + f]!;
        dw[(f * g.inC + c) * taps + t] = sum;
      }
    }
  }
}

/** dW[f, c, ky, kx] = dwb[f][ky][kx][c]: a gradient accumulated in the backward layout, unpacked. */
export function unpackBackward(dwb: Float32Array, g: ConvGeometry, dw: Float32Array): void {
  const cp = lanes4(g.inC);
  const taps = g.kernel * g.kernel;
  for (let f = 0; f < g.outC; f++) {
    for (let c = 0; c < g.inC; c++) {
      for (let t = 0; t < taps; t++) dw[(f * g.inC + c) * taps + t] = dwb[(f * taps + t) * cp + c]!;
    }
  }
}
