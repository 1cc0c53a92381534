import type * as tfc from '@tensorflow/tfjs-core';
import { bernoulliSpike, bernoulliThresholds } from '../encode/bernoulli';
import { lifBackwardScan, lifForwardScan } from '../neuron/lif';
import { adamUpdate, sgdUpdate } from '../optim/updates';
import type { BernoulliCode, ConvGeometry, GradMode, Kernels, LifScan, PoolGeometry, SpikeLists } from './types';

type Tf = typeof tfc;

/**
 * tfjs backend: the matmuls run on a tfjs backend (native TensorFlow via tfjs-node, or tfjs-wasm /
 * cpu), the LIF scans in plain JavaScript between them. Transposes are explicit: tfjs's matMul
 * with transpose flags is ~10× slower on wasm (ENGINE-NOTES.md).
 */
export class TfjsKernels implements Kernels {
  readonly family = 'tfjs' as const;
  readonly description: string;
  private dense = new Float32Array(0);

  constructor(private readonly tf: Tf) {
    this.description = `tfjs (${tf.getBackend()})`;
  }

  allocF32(count: number): Float32Array { return new Float32Array(count); }
  allocI32(count: number): Int32Array { return new Int32Array(count); }
  allocU32(count: number): Uint32Array { return new Uint32Array(count); }

  spikeLists(rows: number, cols: number): SpikeLists {
    const start = new Int32Array(rows);
    for (let r = 0; r < rows; r++) start[r] = r * cols;
    return { rows, steps: 1, cols, idx: new Int32Array(rows * cols), start, len: new Int32Array(rows) };
  }

  /** Dense products gain nothing from changes between steps: lists come without deltas. */
  spikeDeltas(): void {}

  bernoulliThresholds(intensities: Float32Array, batch: number, code: BernoulliCode): void {
    bernoulliThresholds(intensities, batch, code);
  }

  encodeBernoulli(code: BernoulliCode, out: SpikeLists): void {
    for (let r = 0; r < code.steps * code.batch; r++) {
      const b = r % code.batch;
      let count = 0;
      for (let k = 0; k < code.nonZeroLen[b]; k++) {
        const i = code.nonZero[b * code.inputs + k];
        if (bernoulliSpike(code, r, i)) out.idx[out.start[r] + count++] = i;
      }
      out.len[r] = count;
    }
  }

  spikeMatmul(s: SpikeLists, w: Float32Array, units: number, out: Float32Array): void {
    const tf = this.tf;
    const x = this.toDense(s);
    this.run(out, () => tf.matMul(tf.tensor2d(x, [s.rows, s.cols]), tf.tensor2d(w, [s.cols, units])));
  }

  spikeWeightGrad(s: SpikeLists, g: Float32Array, units: number, dw: Float32Array): void {
    const tf = this.tf;
    const x = this.toDense(s);
    this.run(dw, () => tf.matMul(tf.transpose(tf.tensor2d(x, [s.rows, s.cols])), tf.tensor2d(g, [s.rows, units])));
  }

  backpropInput(g: Float32Array, w: Float32Array, rows: number, inUnits: number, units: number, out: Float32Array): void {
    const tf = this.tf;
    this.run(out, () => tf.matMul(tf.tensor2d(g, [rows, units]), tf.transpose(tf.tensor2d(w, [inUnits, units]))));
  }

  denseMatmul(a: Float32Array, rows: number, inUnits: number, w: Float32Array, units: number, out: Float32Array): void {
    const tf = this.tf;
    this.run(out, () => tf.matMul(tf.tensor2d(a.subarray(0, rows * inUnits), [rows, inUnits]), tf.tensor2d(w, [inUnits, units])));
  }

  denseWeightGrad(a: Float32Array, g: Float32Array, rows: number, inUnits: number, units: number, dw: Float32Array): void {
    const tf = this.tf;
    this.run(dw, () => tf.matMul(tf.transpose(tf.tensor2d(a.subarray(0, rows * inUnits), [rows, inUnits])), tf.tensor2d(g.subarray(0, rows * units), [rows, units])));
  }

  // tfjs convolutions and pooling run channels-last (tfjs-wasm has no NCHW kernels): maps are
  // transposed in and out of our channel-major rows.
  convSpikes(s: SpikeLists, w: Float32Array, geom: ConvGeometry, out: Float32Array): void {
    this.conv(this.toDense(s), s.rows, w, geom, out);
  }

  conv(x: Float32Array, rows: number, w: Float32Array, geom: ConvGeometry, out: Float32Array): void {
    const tf = this.tf;
    this.run(out, () => {
      const y = tf.conv2d(this.nhwc(x, rows, geom.inC, geom.inH, geom.inW), this.filter(w, geom), geom.stride, geom.pad);
      return tf.transpose(y, [0, 3, 1, 2]);
    });
  }

  convSpikesWeightGrad(s: SpikeLists, g: Float32Array, geom: ConvGeometry, dw: Float32Array): void {
    this.convWeightGrad(this.toDense(s), g, s.rows, geom, dw);
  }

  /**
   * dW as a convolution (tfjs-wasm has no Conv2DBackpropFilter): x's channels become the batch,
   * its rows the input channels, and g the filter, with stride − 1 zeros between its entries.
   * Dilation and padding are written out: tfjs-wasm's convolution corrupts its memory when given
   * a dilation, or a padding with a filter as large as the input. The result is [inC, k', k', outC]
   * with k' ≥ k (larger when the stride does not divide the padded size).
   */
  convWeightGrad(x: Float32Array, g: Float32Array, rows: number, geom: ConvGeometry, dw: Float32Array): void {
    const tf = this.tf;
    const { inC, inH, inW, outC, kernel: k } = geom;
    const [gd, gh, gw] = dilate(g, rows * outC, geom.outH, geom.outW, geom.stride);
    this.run(dw, () => {
      const input = tf.transpose(tf.tensor4d(x.subarray(0, rows * inC * inH * inW), [rows, inC, inH, inW]), [1, 2, 3, 0]);
      const filter = tf.transpose(tf.tensor4d(gd, [rows, outC, gh, gw]), [2, 3, 0, 1]);
      const p = geom.pad;
      const full = tf.conv2d(tf.pad(input, [[0, 0], [p, p], [p, p], [0, 0]]), filter, 1, 'valid');
      return tf.transpose(tf.slice(full, [0, 0, 0, 0], [inC, k, k, outC]), [3, 0, 1, 2]);
    });
  }

  convBackpropInput(g: Float32Array, w: Float32Array, rows: number, geom: ConvGeometry, out: Float32Array): void {
    const tf = this.tf;
    this.run(out, () => {
      const dy = this.nhwc(g, rows, geom.outC, geom.outH, geom.outW);
      const dx = tf.conv2dTranspose(dy, this.filter(w, geom), [rows, geom.inH, geom.inW, geom.inC], geom.stride, geom.pad);
      return tf.transpose(dx, [0, 3, 1, 2]);
    });
  }

  avgPoolSpikes(s: SpikeLists, geom: PoolGeometry, out: Float32Array): void {
    this.avgPool(this.toDense(s), s.rows, geom, out);
  }

  avgPool(x: Float32Array, rows: number, geom: PoolGeometry, out: Float32Array): void {
    const tf = this.tf;
    this.run(out, () => {
      const y = tf.avgPool(this.nhwc(x, rows, geom.channels, geom.inH, geom.inW), geom.kernel, geom.stride, 'valid');
      return tf.transpose(y, [0, 3, 1, 2]);
    });
  }

  avgPoolBackprop(g: Float32Array, rows: number, geom: PoolGeometry, out: Float32Array): void {
    const tf = this.tf;
    this.run(out, () => {
      const dy = this.nhwc(g, rows, geom.channels, geom.outH, geom.outW);
      const input = tf.zeros([rows, geom.inH, geom.inW, geom.channels]);
      const attrs = { filterSize: geom.kernel, strides: geom.stride, pad: 'valid' };
      const dx = tf.engine().runKernel('AvgPoolGrad', { dy, input }, attrs) as tfc.Tensor4D;
      return tf.transpose(dx, [0, 3, 1, 2]);
    });
  }

  /** Channel-major rows [rows, c·h·w] as a channels-last tensor [rows, h, w, c]. */
  private nhwc(a: Float32Array, rows: number, c: number, h: number, w: number): tfc.Tensor4D {
    return this.tf.transpose(this.tf.tensor4d(a.subarray(0, rows * c * h * w), [rows, c, h, w]), [0, 2, 3, 1]);
  }

  /** W [outC, inC, k, k] as tfjs's filter layout [k, k, inC, outC]. */
  private filter(w: Float32Array, geom: ConvGeometry): tfc.Tensor4D {
    return this.tf.transpose(this.tf.tensor4d(w, [geom.outC, geom.inC, geom.kernel, geom.kernel]), [2, 3, 1, 0]);
  }

  lifForward(xu: Float32Array, bias: Float32Array, lif: LifScan, spikes: SpikeLists): void {
    lifForwardScan(xu, bias, lif, spikes);
  }

  lifBackward(u: Float32Array, g: Float32Array, lif: LifScan, mode: GradMode): void {
    lifBackwardScan(u, g, lif, mode);
  }

  channelSums(a: Float32Array, rows: number, channels: number, positions: number, out: Float32Array): void {
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) {
        for (let p = 0; p < positions; p++) sum += a[(r * channels + c) * positions + p];
      }
      out[c] = sum;
    }
  }

  columnSums(a: Float32Array, rows: number, cols: number, out: Float32Array): void {
    out.fill(0);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c] += a[r * cols + c];
  }

  sgdUpdate(p: Float32Array, g: Float32Array, lr: number): void {
    sgdUpdate(p, g, lr);
  }

  adamUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, lrT: number, beta1: number, beta2: number, epsHat: number): void {
    adamUpdate(p, g, m, v, lrT, beta1, beta2, epsHat);
  }

  dispose(): void {}

  /** Evaluate a tfjs expression and copy its values into `out`, freeing every tensor. */
  private run(out: Float32Array, f: () => tfc.Tensor): void {
    const tf = this.tf;
    const values = tf.tidy(f);
    out.set(values.dataSync() as Float32Array);
    values.dispose();
  }

  private toDense(s: SpikeLists): Float32Array {
    const size = s.rows * s.cols;
    if (this.dense.length < size) this.dense = new Float32Array(size);
    const x = this.dense.subarray(0, size);
    x.fill(0);
    for (let r = 0; r < s.rows; r++) {
      for (let k = 0; k < s.len[r]; k++) x[r * s.cols + s.idx[s.start[r] + k]] = 1;
    }
    return x;
  }
}

/** Planes [n, h, w] with s − 1 zeros between neighbours: [n, (h − 1)·s + 1, (w − 1)·s + 1]. */
function dilate(a: Float32Array, n: number, h: number, w: number, s: number): [Float32Array, number, number] {
  if (s === 1) return [a.subarray(0, n * h * w), h, w];
  const dh = (h - 1) * s + 1;
  const dw = (w - 1) * s + 1;
  const out = new Float32Array(n * dh * dw);
  for (let p = 0; p < n; p++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) out[(p * dh + y * s) * dw + x * s] = a[(p * h + y) * w + x]!;
    }
  }
  return [out, dh, dw];
}
