import { EngineError } from '../errors';
import type { NetworkKind } from '../model/networks';
import type { ModelPlan } from '../spec/infer';

/** Consecutive batches each LIF layer has been completely silent, or firing at every step. */
export interface ActivityWatch {
  silent: number[];
  saturated: number[];
}

/**
 * A layer that stays silent passes no gradient (the surrogate window is never entered from below
 * with no input), and one where every neuron fires at every step carries no information: after
 * `patience` batches in a row of either, training is on garbage, so it stops with the layer named.
 */
export function checkActivity(watch: ActivityWatch, rates: number[], plan: ModelPlan, patience: number, network: NetworkKind = 'spiking'): void {
  if (network === 'twin') return checkTwinActivity(watch, rates, plan, patience);
  rates.forEach((rate, i) => {
    watch.silent[i] = rate === 0 ? watch.silent[i]! + 1 : 0;
    watch.saturated[i] = rate === 1 ? watch.saturated[i]! + 1 : 0;
    const layer = plan.layers[i]!;
    const where = `layer ${layer.index} (${layer.kind}, ${layer.units} units)`;
    if (watch.silent[i]! >= patience) {
      throw new EngineError('diverged', `${where} did not fire once in ${patience} batches: no gradient can flow. Lower its vth (now ${layer.vth}) or raise initGain.`);
    }
    if (watch.saturated[i]! >= patience) {
      throw new EngineError('diverged', `${where} fired at every step in ${patience} batches: saturated. Raise its vth (now ${layer.vth}) or lower the learning rate.`);
    }
  });
}

/**
 * The non-spiking twin: a hidden layer whose ReLUs all output 0 passes no gradient (dead ReLUs).
 * All-active ReLUs are only a linear layer, and the output layer's scores may all be negative
 * under cross-entropy, so neither is checked.
 */
function checkTwinActivity(watch: ActivityWatch, rates: number[], plan: ModelPlan, patience: number): void {
  rates.forEach((rate, i) => {
    const layer = plan.layers[i]!;
    watch.silent[i] = rate === 0 && layer.kind !== 'output' ? watch.silent[i]! + 1 : 0;
    watch.saturated[i] = 0;
    if (watch.silent[i]! >= patience) {
      throw new EngineError('diverged', `layer ${layer.index} (${layer.kind}, ${layer.units} units, ReLU) output only zeros in ${patience} batches: every ReLU is dead and no gradient can flow. Lower the learning rate or change initGain.`);
    }
  });
}
