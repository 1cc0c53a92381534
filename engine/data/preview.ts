/**
 * Pure helpers the renderer uses to preview a dataset: a sample as RGBA pixels, and the spike
 * trains the network would actually receive from it.
 */
import type { BernoulliCode } from '../backend/types';
import { bernoulliSpike, prepareBernoulli } from '../encode/bernoulli';
import { EngineError } from '../errors';
import { Rng } from '../rng';
import type { ImageDataset } from './dataset';

/**
 * Bernoulli rate coding of one sample over `steps` steps, as a [steps, n] 0/1 raster: input i
 * spikes at step t with probability intensities[i] (in [0, 1]). Exactly the engine's rule
 * (engine/encode/bernoulli.ts, through its own `prepareBernoulli` and `bernoulliSpike`) for a
 * batch of 1 whose row keys are the first `steps` draws of `new Rng(seed)`: the preview is the
 * encoder's output for those keys, bit for bit, not a look-alike.
 * Intensities that round to P = 0 never spike (the engine never tests them), 1 always does.
 */
export function bernoulliRaster(intensities: Float32Array, steps: number, seed: number): Uint8Array {
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= 10000)) {
    throw new EngineError('bad-option', `bernoulliRaster: steps is ${steps}; allowed: an integer from 1 to 10000`);
  }
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
    throw new EngineError('bad-option', `bernoulliRaster: seed is ${seed}; allowed: an integer from 0 to 4294967295`);
  }
  const n = intensities.length;
  const code: BernoulliCode = prepareBernoulli(intensities, 1, n, steps, new Rng(seed));
  const raster = new Uint8Array(steps * n);
  const active = code.nonZero.subarray(0, code.nonZeroLen[0]);
  for (let t = 0; t < steps; t++) {
    for (const i of active) if (bernoulliSpike(code, t, i)) raster[t * n + i] = 1;
  }
  return raster;
}

/** Image `index` of `ds` as RGBA bytes (grey repeated into R, G, B; alpha 255), ready for an ImageData. */
export function imageToRgba(ds: ImageDataset, index: number): Uint8ClampedArray {
  if (!Number.isInteger(index) || index < 0 || index >= ds.count) {
    throw new EngineError('bad-option', `imageToRgba '${ds.name}': index is ${index}; allowed: an integer from 0 to ${ds.count - 1}`);
  }
  if (ds.channels !== 1 && ds.channels !== 3) {
    throw new EngineError('bad-option', `imageToRgba '${ds.name}': channels is ${ds.channels}; allowed: 1 (grey) or 3 (RGB)`);
  }
  const n = ds.rows * ds.cols;
  const c = ds.channels;
  const src = ds.pixels.subarray(index * n * c, (index + 1) * n * c);
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    out[4 * i] = src[i * c];
    out[4 * i + 1] = src[i * c + (c === 3 ? 1 : 0)];
    out[4 * i + 2] = src[i * c + (c === 3 ? 2 : 0)];
    out[4 * i + 3] = 255;
  }
  return out;
}

/** Colours of event frames, after SpikingJelly's `play_frame`: OFF (channel 0) green, ON (channel 1) blue, on black. */
export const EVENT_COLOURS = { off: [0, 255, 0], on: [0, 0, 255] } as const;

/**
 * Frame `step` of binned events ([steps, 2, height, width], see `binEvents`) as RGBA: OFF events
 * green, ON events blue, both cyan, none black.
 */
export function eventFrameToRgba(frames: Uint8Array, steps: number, height: number, width: number, step: number): Uint8ClampedArray {
  const plane = height * width;
  if (frames.length !== steps * 2 * plane) {
    throw new EngineError('bad-option', `eventFrameToRgba: frames has ${frames.length} bytes; allowed: steps*2*height*width = ${steps * 2 * plane}`);
  }
  if (!(Number.isInteger(step) && step >= 0 && step < steps)) {
    throw new EngineError('bad-option', `eventFrameToRgba: step is ${step}; allowed: an integer from 0 to ${steps - 1}`);
  }
  const off = frames.subarray(step * 2 * plane, step * 2 * plane + plane);
  const on = frames.subarray(step * 2 * plane + plane, (step + 1) * 2 * plane);
  const out = new Uint8ClampedArray(plane * 4);
  for (let i = 0; i < plane; i++) {
    for (let k = 0; k < 3; k++) out[4 * i + k] = (off[i] ? EVENT_COLOURS.off[k] : 0) + (on[i] ? EVENT_COLOURS.on[k] : 0);
    out[4 * i + 3] = 255;
  }
  return out;
}
