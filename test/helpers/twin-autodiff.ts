import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { LifLayerPlan, StagePlan } from '../../engine/spec/infer';
import { fromNhwc, synapseFn, toNhwc } from './stbp-autodiff';

/**
 * The independent reference of the non-spiking twin: its forward written with tfjs ops (affine,
 * tf.relu on every hidden layer, tf.avgPool, an affine output layer whose scores go to the loss)
 * and tfjs autodiff for the gradients. Maps stay channel-major [batch, C, H, W] between stages.
 */
export function twinReferenceGradients(opts: {
  stages: StagePlan[];
  weights: Float32Array[];
  biases: Float32Array[];
  input: Float32Array; // analog [batch, inputs]
  labels: number[];
  batch: number;
  loss: 'mse' | 'ce';
}): { loss: number; dw: Float32Array[]; db: Float32Array[] } {
  tf.setBackend('cpu');
  const { stages, batch: B } = opts;
  const layers = stages.filter((s): s is LifLayerPlan => s.kind !== 'avgpool');
  const top = layers[layers.length - 1]!;
  const params = layers.flatMap((l, i) => [
    tf.variable(l.conv
      ? tf.tensor4d(opts.weights[i]!, [l.conv.outC, l.conv.inC, l.conv.kernel, l.conv.kernel])
      : tf.tensor2d(opts.weights[i]!, [l.inUnits, l.units])),
    tf.variable(tf.tensor1d(opts.biases[i]!)),
  ]);
  const x = tf.tensor2d(opts.input, [B, stages[0]!.inUnits]);
  const y = tf.cast(tf.oneHot(tf.tensor1d(opts.labels, 'int32'), top.units), 'float32');
  const f = (...ps: tf.Tensor[]) => {
    let a: tf.Tensor = x;
    let n = 0;
    for (const stage of stages) {
      if (stage.kind === 'avgpool') {
        const p = stage.pool;
        a = fromNhwc(tf.avgPool(toNhwc(a, [p.channels, p.inH, p.inW]), p.kernel, p.stride, 'valid'));
        continue;
      }
      const z = synapseFn(stage, ps[2 * n]!, ps[2 * n + 1]!)(a);
      a = stage === top ? tf.reshape(z, [B, -1]) : tf.relu(z);
      n++;
    }
    if (opts.loss === 'mse') return tf.div(tf.sum(tf.square(tf.sub(y, a))), 2 * B) as tf.Scalar;
    return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(a)), 1))) as tf.Scalar;
  };
  const { value, grads } = tf.valueAndGrads(f)(params);
  const result = {
    loss: value.dataSync()[0]!,
    dw: layers.map((_, i) => grads[2 * i]!.dataSync() as Float32Array),
    db: layers.map((_, i) => grads[2 * i + 1]!.dataSync() as Float32Array),
  };
  tf.dispose([...params, x, y, value, ...grads]);
  return result;
}
