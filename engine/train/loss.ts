import { unknownName } from '../errors';

/**
 * Losses on the output layer's spike counts c[b, k] = Σ_t o[t, b, k] over a window of T steps.
 * Each returns the mean loss and fills grad[b, k] = ∂L/∂o[t, b, k], the same for every t.
 */
export interface Loss {
  readonly name: string;
  evaluate(counts: Float32Array, labels: ArrayLike<number>, batch: number, classes: number, steps: number, grad: Float32Array): number;
}

/** Eq. 9: L = 1/(2S) Σ_s ||y_s − c_s/T||²;  ∂L/∂o[t] = −(y − c/T) / (T·S). */
export const mseRate: Loss = {
  name: 'mse',
  evaluate(counts, labels, batch, classes, steps, grad) {
    let total = 0;
    for (let b = 0; b < batch; b++) {
      for (let k = 0; k < classes; k++) {
        const diff = (labels[b] === k ? 1 : 0) - counts[b * classes + k] / steps;
        total += diff * diff;
        grad[b * classes + k] = -diff / (steps * batch);
      }
    }
    return total / (2 * batch);
  },
};

/** Softmax cross-entropy with the counts as logits: L = −1/S Σ_s log softmax(c_s)[y_s];  ∂L/∂o[t] = (p − y)/S. */
export const crossEntropyCount: Loss = {
  name: 'ce',
  evaluate(counts, labels, batch, classes, _steps, grad) {
    let total = 0;
    for (let b = 0; b < batch; b++) {
      let max = -Infinity;
      for (let k = 0; k < classes; k++) max = Math.max(max, counts[b * classes + k]);
      let z = 0;
      for (let k = 0; k < classes; k++) z += Math.exp(counts[b * classes + k] - max);
      for (let k = 0; k < classes; k++) {
        const p = Math.exp(counts[b * classes + k] - max) / z;
        grad[b * classes + k] = (p - (labels[b] === k ? 1 : 0)) / batch;
      }
      total -= counts[b * classes + labels[b]] - max - Math.log(z);
    }
    return total / batch;
  },
};

export const LOSSES: readonly Loss[] = [mseRate, crossEntropyCount];

export function lossByName(name: string): Loss {
  const found = LOSSES.find((l) => l.name === name);
  if (!found) throw unknownName('loss', name, LOSSES.map((l) => l.name));
  return found;
}

/** Index of the largest count per sample (ties: the lowest index), the paper's prediction rule. */
export function predict(counts: Float32Array, b: number, classes: number): number {
  let best = 0;
  for (let k = 1; k < classes; k++) if (counts[b * classes + k] > counts[b * classes + best]) best = k;
  return best;
}
