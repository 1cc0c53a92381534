import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { GradModeName } from '../../engine/model/network';
import type { LifLayerPlan } from '../../engine/spec/infer';

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/**
 * The independent reference: the same forward as MATH.md written with tfjs ops, the spike as a
 * tf.customGrad whose gradient is the surrogate, and tfjs autodiff for everything else. SDBP and
 * detach-reset are expressed in the forward with stopGradient, so autodiff drops exactly those terms.
 */
export function referenceGradients(opts: {
  layers: LifLayerPlan[];
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
  const { layers, steps: T, batch: B } = opts;
  const classes = layers[layers.length - 1].units;
  const params = layers.flatMap((l, i) => [
    tf.variable(tf.tensor2d(opts.weights[i], [l.inUnits, l.units])),
    tf.variable(tf.tensor1d(opts.biases[i])),
  ]);
  const x = tf.tensor3d(opts.input, [T, B, layers[0].inUnits]);
  const y = tf.cast(tf.oneHot(tf.tensor1d(opts.labels, 'int32'), classes), 'float32');
  const f = (...ps: tf.Tensor[]) => {
    let below = tf.unstack(x) as tf.Tensor2D[];
    layers.forEach((l, i) => {
      const spike = spikeFn(l);
      const w = ps[2 * i] as tf.Tensor2D;
      const b = ps[2 * i + 1];
      const out: tf.Tensor2D[] = [];
      let u: tf.Tensor2D = tf.zeros([B, l.units]);
      let o: tf.Tensor2D = tf.zeros([B, l.units]);
      for (let t = 0; t < T; t++) {
        const keep = tf.mul(l.decay, tf.sub(1, o));
        let carry: tf.Tensor = tf.mul(u, opts.mode === 'detach-reset' ? stopGradient(keep) : keep);
        if (opts.mode === 'sdbp') carry = stopGradient(carry);
        u = tf.add(tf.add(carry, tf.matMul(below[t], w)), b) as tf.Tensor2D;
        o = spike(u) as tf.Tensor2D;
        out.push(o);
      }
      below = out;
    });
    const counts = tf.addN(below);
    if (opts.loss === 'mse') return tf.div(tf.sum(tf.square(tf.sub(y, tf.div(counts, T)))), 2 * B) as tf.Scalar;
    return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(counts)), 1))) as tf.Scalar;
  };
  const { value, grads } = tf.valueAndGrads(f)(params);
  const result = {
    loss: value.dataSync()[0],
    dw: layers.map((_, i) => grads[2 * i].dataSync() as Float32Array),
    db: layers.map((_, i) => grads[2 * i + 1].dataSync() as Float32Array),
  };
  tf.dispose([...params, x, y, value, ...grads]);
  return result;
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
