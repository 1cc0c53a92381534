import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { GradModeName } from '../../engine/model/network';
import type { LifLayerPlan, StagePlan } from '../../engine/spec/infer';

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/**
 * The independent reference: the same forward as docs/math.md written with tfjs ops, the spike as a
 * tf.customGrad whose gradient is the surrogate, and tfjs autodiff for everything else. SDBP and
 * detach-reset are expressed in the forward with stopGradient, so autodiff drops exactly those terms.
 * Convolutions (tf.conv2d) and average pooling (tf.avgPool) run channels-last on maps that are kept
 * channel-major [batch, C, H, W] between stages, so flattening gives the engine's order.
 */
export function referenceGradients(opts: {
  stages: StagePlan[];
  weights: Float32Array[];
  biases: Float32Array[];
  input: Float32Array; // dense 0/1 [T·batch, inputs]
  labels: number[];
  steps: number;
  batch: number;
  mode: GradModeName;
  loss: 'mse' | 'ce';
}): { loss: number; dw: Float32Array[]; db: Float32Array[] } {
  tf.setBackend('cpu');
  const { stages, steps: T, batch: B } = opts;
  const lifs = stages.filter((s): s is LifLayerPlan => s.kind !== 'avgpool');
  const classes = lifs[lifs.length - 1].units;
  const params = lifs.flatMap((l, i) => [
    tf.variable(l.conv
      ? tf.tensor4d(opts.weights[i], [l.conv.outC, l.conv.inC, l.conv.kernel, l.conv.kernel])
      : tf.tensor2d(opts.weights[i], [l.inUnits, l.units])),
    tf.variable(tf.tensor1d(opts.biases[i])),
  ]);
  const x = tf.tensor3d(opts.input, [T, B, stages[0].inUnits]);
  const y = tf.cast(tf.oneHot(tf.tensor1d(opts.labels, 'int32'), classes), 'float32');
  const f = (...ps: tf.Tensor[]) => {
    let below = tf.unstack(x);
    let lif = 0;
    for (const stage of stages) {
      if (stage.kind === 'avgpool') {
        const p = stage.pool;
        below = below.map((o) => fromNhwc(tf.avgPool(toNhwc(o, [p.channels, p.inH, p.inW]), p.kernel, p.stride, 'valid')));
        continue;
      }
      const synapses = synapseFn(stage, ps[2 * lif], ps[2 * lif + 1]);
      below = lifScan(stage, below.map(synapses), opts.mode);
      lif++;
    }
    const counts = tf.addN(below);
    if (opts.loss === 'mse') return tf.div(tf.sum(tf.square(tf.sub(y, tf.div(counts, T)))), 2 * B) as tf.Scalar;
    return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(counts)), 1))) as tf.Scalar;
  };
  const { value, grads } = tf.valueAndGrads(f)(params);
  const result = {
    loss: value.dataSync()[0],
    dw: lifs.map((_, i) => grads[2 * i].dataSync() as Float32Array),
    db: lifs.map((_, i) => grads[2 * i + 1].dataSync() as Float32Array),
  };
  tf.dispose([...params, x, y, value, ...grads]);
  return result;
}

/** x[t] + b for one step: W·o (dense, on the flattened input) or W ⊛ o (conv2d, bias per filter). */
export function synapseFn(l: LifLayerPlan, w: tf.Tensor, b: tf.Tensor): (o: tf.Tensor) => tf.Tensor {
  const g = l.conv;
  if (!g) return (o) => tf.add(tf.matMul(tf.reshape(o, [o.shape[0], -1]) as tf.Tensor2D, w as tf.Tensor2D), b);
  const filter = tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D; // [k, k, inC, outC]
  return (o) => {
    const conv = fromNhwc(tf.conv2d(toNhwc(o, [g.inC, g.inH, g.inW]), filter, g.stride, g.pad));
    return tf.add(conv, tf.reshape(b, [1, g.outC, 1, 1]));
  };
}

/** The LIF recursion of docs/math.md over the T synaptic inputs of a layer; returns its spikes per step. */
function lifScan(l: LifLayerPlan, xs: tf.Tensor[], mode: GradModeName): tf.Tensor[] {
  const spike = spikeFn(l);
  const out: tf.Tensor[] = [];
  let u: tf.Tensor = tf.zerosLike(xs[0]);
  let o: tf.Tensor = tf.zerosLike(xs[0]);
  for (const xt of xs) {
    const keep = tf.mul(l.decay, tf.sub(1, o));
    let carry: tf.Tensor = tf.mul(u, mode === 'detach-reset' ? stopGradient(keep) : keep);
    if (mode === 'sdbp') carry = stopGradient(carry);
    u = tf.add(carry, xt);
    o = spike(u);
    out.push(o);
  }
  return out;
}

/** [batch, C, H, W] (or flat [batch, C·H·W]) to tfjs's channels-last [batch, H, W, C]. */
export function toNhwc(o: tf.Tensor, [c, h, w]: number[]): tf.Tensor4D {
  return tf.transpose(tf.reshape(o, [o.shape[0], c, h, w]), [0, 2, 3, 1]);
}
export function fromNhwc(o: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(o, [0, 3, 1, 2]);
}

/** Identity forward, zero gradient: cuts a path out of autodiff. */
const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.mul(x, 1),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as CustomGradientFunc);

/** o = [u ≥ Vth] forward, dL/du = dL/do · h(u − Vth) backward. */
function spikeFn(l: LifLayerPlan) {
  // customGrad's typing squeezes inputs and the save function into one parameter type.
  return tf.customGrad(((u: tf.Tensor, save: tf.GradSaveFunc) => {
    save([u]);
    return {
      value: tf.cast(tf.greaterEqual(u, l.vth), 'float32'),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, surrogate(l.surrogate, tf.sub(saved[0]!, l.vth), l.width)),
    };
  }) as unknown as CustomGradientFunc);
}

function surrogate(name: string, d: tf.Tensor, a: number): tf.Tensor {
  switch (name) {
    case 'rectangular':
      return tf.div(tf.cast(tf.less(tf.abs(d), a / 2), 'float32'), a);
    case 'polynomial': {
      const s = Math.sqrt(a);
      return tf.mul(tf.cast(tf.less(tf.abs(d), 2 / s), 'float32'), tf.sub(s / 2, tf.mul(a / 4, tf.abs(d))));
    }
    case 'sigmoid': {
      const e = tf.exp(tf.div(tf.neg(d), a));
      return tf.div(e, tf.mul(a, tf.square(tf.add(1, e))));
    }
    case 'gaussian':
      return tf.div(tf.exp(tf.div(tf.neg(tf.square(d)), 2 * a)), Math.sqrt(2 * Math.PI * a));
    default:
      throw new Error(`no reference for surrogate ${name}`);
  }
}
