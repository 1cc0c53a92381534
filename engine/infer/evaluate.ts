import type { Network } from '../model/networks';
import { Rng } from '../rng';
import { predict } from '../train/loss';
import type { SampleSource } from '../train/sources';

/**
 * Accuracy of a network on a source, in batches of `batchSize` in index order, coded with an RNG of
 * its own seeded from `seed`: the same weights, seed and batch size give the same spikes and the
 * same predictions wherever this runs (a run's epoch-end test, a saved model, Node or a browser).
 * Fills `confusion` [truth · classes + predicted] when given.
 */
export function evaluateSource(net: Network, src: SampleSource, seed: number, batchSize: number, confusion?: Uint32Array): number {
  const rng = evaluationRng(seed);
  const classes = net.plan.classes;
  const indices = new Uint32Array(batchSize);
  let correct = 0;
  for (let from = 0; from < src.count; from += batchSize) {
    const n = Math.min(batchSize, src.count - from);
    for (let b = 0; b < n; b++) indices[b] = from + b;
    src.load(net, indices, n, rng);
    const counts = net.forward();
    for (let b = 0; b < n; b++) {
      const guess = predict(counts, b, classes);
      const truth = src.label(from + b);
      if (guess === truth) correct++;
      if (confusion) confusion[truth * classes + guess]!++;
    }
  }
  return src.count > 0 ? correct / src.count : 0;
}

/** The coding stream of an evaluation: apart from the training stream of the same seed. */
export function evaluationRng(seed: number): Rng {
  return new Rng(seed ^ 0x5eed);
}

/** The coding stream of one sample's probe or trace (the monitor's rasters, "Try it"): apart from both. */
export function probeRng(seed: number): Rng {
  return new Rng(seed ^ 0x9b0e);
}
