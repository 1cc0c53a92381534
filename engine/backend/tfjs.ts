import type * as tfc from '@tensorflow/tfjs-core';
import { bernoulliSpike } from '../encode/bernoulli';
import { lifBackwardScan, lifForwardScan } from '../neuron/lif';
import { adamUpdate, sgdUpdate } from '../optim/updates';
import type { BernoulliCode, GradMode, Kernels, LifScan, SpikeLists } from './types';

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

  lifForward(xu: Float32Array, bias: Float32Array, lif: LifScan, spikes: SpikeLists): void {
    lifForwardScan(xu, bias, lif, spikes);
  }

  lifBackward(u: Float32Array, g: Float32Array, lif: LifScan, mode: GradMode): void {
    lifBackwardScan(u, g, lif, mode);
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
