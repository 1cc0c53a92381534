import { mix32 } from '../encode/bernoulli';
import type { Rng } from '../rng';

/** Separates augmentation draws from every other use of the run seed ("aug "). */
const DOMAIN = 0x61756720;
const GOLDEN = 0x9e3779b9;

/**
 * The u32 seed of sample `sampleIndex`'s augmentation in `epoch`, derived from counters only
 * (never from an RNG that has advanced), so a sample's distortion does not depend on batch order,
 * batch size, threads, or resuming from a checkpoint. Within one run and epoch, distinct samples get
 * distinct seeds (each step is a bijection of the index); epochs and runs are hashed apart.
 * @param runSeed the run's seed (any safe integer, as in TrainOptions.seed)
 * @param epoch any non-negative integer (the trainer's epochs are 1-based)
 * @param sampleIndex index of the sample in the dataset, not its position in the shuffled order
 */
export function augmentationSeed(runSeed: number, epoch: number, sampleIndex: number): number {
  for (const [name, v, min] of [['runSeed', runSeed, Number.MIN_SAFE_INTEGER], ['epoch', epoch, 0], ['sampleIndex', sampleIndex, 0]] as const) {
    if (!Number.isSafeInteger(v) || v < min || (name !== 'runSeed' && v > 0xffffffff)) {
      throw new RangeError(`augmentationSeed: ${name} is ${v}; allowed: ${name === 'runSeed' ? 'a safe integer' : 'an integer from 0 to 4294967295'}`);
    }
  }
  const high = Math.floor(runSeed / 4294967296) >>> 0;
  let h = mix32((runSeed >>> 0) ^ DOMAIN);
  h = mix32((h ^ mix32(high + GOLDEN)) >>> 0);
  h = mix32((h + Math.imul(epoch, GOLDEN)) >>> 0);
  return mix32((h + sampleIndex) >>> 0);
}

/**
 * Puts `rng` in the state seed `seed` names (4 words, each a bijective hash of seed + k·φ), without
 * allocating: `scratch` is a reusable Uint32Array(4).
 */
export function seedRng(rng: Rng, seed: number, scratch: Uint32Array = new Uint32Array(4)): Rng {
  for (let k = 0; k < 4; k++) scratch[k] = mix32((seed + Math.imul(k + 1, GOLDEN)) >>> 0);
  if ((scratch[0]! | scratch[1]! | scratch[2]! | scratch[3]!) === 0) scratch[0] = 1; // xoshiro's one forbidden state
  rng.setState(scratch);
  return rng;
}
