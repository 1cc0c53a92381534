import type { ConvGeometry } from '../backend/types';
import { unknownName } from '../errors';
import type { Rng } from '../rng';
import type { LifLayerPlan } from '../spec/infer';
import type { Param } from '../optim/optimizer';

/**
 * Weight initialisers for a W of shape [inUnits, units] (column j = the incoming weights of neuron j).
 * - paper (eq. 30–31): w ~ U[−1, 1], then each neuron's incoming weights scaled to unit L2 norm.
 * - uniform: U[−1/√in, 1/√in] (PyTorch's nn.Linear default).
 * - glorot: U[−√(6/(in+out)), √(6/(in+out))].
 */
export type InitName = 'paper' | 'uniform' | 'glorot';
export const INIT_NAMES: readonly InitName[] = ['paper', 'uniform', 'glorot'];

export function initWeights(name: string, w: Float32Array, inUnits: number, units: number, rng: Rng, fanOut = units): void {
  switch (name) {
    case 'paper': {
      for (let k = 0; k < w.length; k++) w[k] = 2 * rng.uniform() - 1;
      for (let j = 0; j < units; j++) {
        let sq = 0;
        for (let i = 0; i < inUnits; i++) sq += w[i * units + j] ** 2;
        const scale = sq > 0 ? 1 / Math.sqrt(sq) : 0;
        for (let i = 0; i < inUnits; i++) w[i * units + j] *= scale;
      }
      return;
    }
    case 'uniform':
      return fillUniform(w, 1 / Math.sqrt(inUnits), rng);
    case 'glorot':
      return fillUniform(w, Math.sqrt(6 / (inUnits + fanOut)), rng);
    default:
      throw unknownName('initialiser', name, INIT_NAMES);
  }
}

function fillUniform(w: Float32Array, limit: number, rng: Rng): void {
  for (let k = 0; k < w.length; k++) w[k] = (2 * rng.uniform() - 1) * limit;
}

/**
 * A convolution's W [F, C, k, k]: each filter is one neuron type whose C·k·k incoming weights are
 * drawn as a dense layer's column would be (for `paper`, scaled to unit L2 norm per filter);
 * glorot's fan-out is F·k·k, as in Keras and PyTorch.
 */
export function initConvWeights(name: string, w: Float32Array, g: ConvGeometry, rng: Rng): void {
  const fanIn = g.inC * g.kernel * g.kernel;
  const columns = new Float32Array(fanIn * g.outC);
  initWeights(name, columns, fanIn, g.outC, rng, g.outC * g.kernel * g.kernel);
  for (let f = 0; f < g.outC; f++) {
    for (let i = 0; i < fanIn; i++) w[f * fanIn + i] = columns[i * g.outC + f]!;
  }
}

/**
 * One trainable layer's start: W drawn by `name` (conv layers per filter) and scaled by `gain`, b
 * zero. The spiking network and its twin both call this in layer order, so one seed gives both
 * the same initial weights.
 */
/** A network's trainable tensors: weights, then the bias if learnt, layer by layer (the optimiser's and checkpoints' order). */
export function layerParams(layers: readonly TrainableLayer[]): Param[] {
  return layers.flatMap((l) => [{ value: l.w, grad: l.dw }, ...(l.plan.bias ? [{ value: l.b, grad: l.db }] : [])]);
}

interface TrainableLayer {
  plan: LifLayerPlan;
  w: Float32Array;
  b: Float32Array;
  dw: Float32Array;
  db: Float32Array;
}

export function initLayer(l: { plan: LifLayerPlan; w: Float32Array; b: Float32Array }, name: string, rng: Rng, gain = 1): void {
  if (l.plan.conv) initConvWeights(name, l.w, l.plan.conv, rng);
  else initWeights(name, l.w, l.plan.inUnits, l.plan.units, rng);
  if (gain !== 1) for (let i = 0; i < l.w.length; i++) l.w[i] *= gain;
  l.b.fill(0);
}
