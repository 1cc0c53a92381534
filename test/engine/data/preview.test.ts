import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeKernels } from '../../../engine/backend/backends-node';
import type { Kernels } from '../../../engine/backend/types';
import type { ImageDataset } from '../../../engine/data/dataset';
import { binEvents } from '../../../engine/data/nmnist';
import { bernoulliRaster, eventFrameToRgba, imageToRgba } from '../../../engine/data/preview';
import { mix32, prepareBernoulli } from '../../../engine/encode/bernoulli';
import { Rng } from '../../../engine/rng';
import { engineError as errorOf } from '../../helpers/errors';


const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

describe('bernoulliRaster', () => {
  let wasm: Kernels;
  beforeAll(async () => {
    wasm = await createNodeKernels('wasm', { threads: 1 });
  });
  afterAll(() => wasm.dispose());

  // Intensities with the edge cases: 0, a value that rounds to P = 0, the smallest P > 0, 1.
  const MIXED = Float32Array.of(0, 1, 0.5, 0.25, 1e-12, 2 ** -32, 0.999, 0.03, 0, 0.75, 1);

  it('is the engine\'s WASM encoder output, bit for bit', () => {
    const steps = 50;
    const seed = 9;
    const raster = bernoulliRaster(MIXED, steps, seed);
    const n = MIXED.length;
    const inWasm = {
      steps, batch: 1, inputs: n,
      thresholds: wasm.allocU32(n), keys: wasm.allocU32(steps), nonZero: wasm.allocI32(n), nonZeroLen: wasm.allocI32(1),
    };
    const code = prepareBernoulli(MIXED, 1, n, steps, new Rng(seed), inWasm);
    const lists = wasm.spikeLists(steps, MIXED.length);
    wasm.encodeBernoulli(code, lists);
    const fromKernel = new Uint8Array(steps * MIXED.length);
    for (let r = 0; r < steps; r++) {
      for (const i of lists.idx.subarray(lists.start[r], lists.start[r] + lists.len[r])) fromKernel[r * MIXED.length + i] = 1;
    }
    expect(raster).toEqual(fromKernel);
  });

  it('follows the rule as written: key_t = t-th draw of Rng(seed), spike iff mix32(key_t + i·φ) ≤ round(p·2³²) − 1', () => {
    const steps = 40;
    const rng = new Rng(123);
    const expected = new Uint8Array(steps * MIXED.length);
    for (let t = 0; t < steps; t++) {
      const key = rng.nextU32();
      MIXED.forEach((p, i) => {
        const scaled = Math.round(p * 2 ** 32);
        expected[t * MIXED.length + i] = scaled > 0 && mix32((key + Math.imul(i, 0x9e3779b9)) >>> 0) <= scaled - 1 ? 1 : 0;
      });
    }
    expect(bernoulliRaster(MIXED, steps, 123)).toEqual(expected);
  });

  it('lays out [steps, n] with only 0 and 1', () => {
    const raster = bernoulliRaster(MIXED, 7, 1);
    expect(raster.length).toBe(7 * MIXED.length);
    expect(raster.every((v) => v === 0 || v === 1)).toBe(true);
  });

  it('never spikes for p = 0 (or p rounding to 0), always for p = 1', () => {
    const steps = 2000;
    const raster = bernoulliRaster(Float32Array.of(0, 1, 1e-12), steps, 5);
    const column = (i: number) => Array.from({ length: steps }, (_, t) => raster[t * 3 + i]);
    expect(sum(column(0))).toBe(0);
    expect(sum(column(1))).toBe(steps);
    expect(sum(column(2))).toBe(0);
  });

  it.each([0.05, 0.3, 0.5, 0.9])('fires at rate p = %d within 4 standard errors', (p) => {
    const steps = 1000;
    const n = 40;
    const raster = bernoulliRaster(new Float32Array(n).fill(p), steps, 77);
    const pf = Math.fround(p);
    const trials = steps * n;
    expect(Math.abs(sum(raster) / trials - pf)).toBeLessThanOrEqual(4 * Math.sqrt((pf * (1 - pf)) / trials));
  });

  it('is a pure function of (intensities, steps, seed)', () => {
    const a = bernoulliRaster(MIXED, 30, 2024);
    expect(bernoulliRaster(MIXED, 30, 2024)).toEqual(a);
    expect(bernoulliRaster(MIXED, 30, 2025)).not.toEqual(a);
    // Fewer steps: the same first rows (keys are drawn in order).
    expect(bernoulliRaster(MIXED, 10, 2024)).toEqual(a.subarray(0, 10 * MIXED.length));
  });

  it.each<[number, number, RegExp]>([
    [0, 1, /^bernoulliRaster: steps is 0; allowed: an integer from 1 to 10000$/],
    [2.5, 1, /^bernoulliRaster: steps is 2\.5; allowed/],
    [10, -1, /^bernoulliRaster: seed is -1; allowed: an integer from 0 to 4294967295$/],
    [10, 0.5, /^bernoulliRaster: seed is 0\.5; allowed/],
  ])('rejects steps %d, seed %d', (steps, seed, expected) => {
    const error = errorOf(() => bernoulliRaster(MIXED, steps, seed));
    expect(error.code).toBe('bad-option');
    expect(error.message).toMatch(expected);
  });

  it('rejects an intensity outside [0, 1] (the encoder\'s own check)', () => {
    expect(() => bernoulliRaster(Float32Array.of(0.5, 1.5), 3, 1)).toThrow(/intensity of input 1 in sample 0 is 1\.5 \(allowed: 0 to 1\)/);
  });
});

describe('imageToRgba', () => {
  const grey: ImageDataset = {
    name: 'grey', count: 2, rows: 1, cols: 2, channels: 1,
    pixels: Uint8Array.of(0, 100, 200, 255), labels: Uint8Array.of(0, 1), classCount: 2,
  };
  const rgb: ImageDataset = {
    name: 'rgb', count: 1, rows: 2, cols: 1, channels: 3,
    pixels: Uint8Array.of(1, 2, 3, 4, 5, 6), labels: Uint8Array.of(0), classCount: 1,
  };

  it('repeats grey into R, G, B with opaque alpha', () => {
    expect(Array.from(imageToRgba(grey, 1))).toEqual([200, 200, 200, 255, 255, 255, 255, 255]);
    expect(Array.from(imageToRgba(grey, 0))).toEqual([0, 0, 0, 255, 100, 100, 100, 255]);
  });

  it('adds opaque alpha to RGB', () => {
    const out = imageToRgba(rgb, 0);
    expect(out).toBeInstanceOf(Uint8ClampedArray);
    expect(Array.from(out)).toEqual([1, 2, 3, 255, 4, 5, 6, 255]);
  });

  it.each<[string, () => unknown, RegExp]>([
    ['index 2 of 2 images', () => imageToRgba(grey, 2), /^imageToRgba 'grey': index is 2; allowed: an integer from 0 to 1$/],
    ['index -1', () => imageToRgba(grey, -1), /index is -1; allowed/],
    ['2 channels', () => imageToRgba({ ...grey, channels: 2, count: 1 }, 0), /^imageToRgba 'grey': channels is 2; allowed: 1 \(grey\) or 3 \(RGB\)$/],
  ])('rejects %s', (_, call, expected) => {
    expect(errorOf(call).message).toMatch(expected);
  });
});

describe('eventFrameToRgba', () => {
  // 2x1 sensor; frame 0: OFF and ON at x = 0, frame 1: ON at x = 1.
  const events = { count: 3, x: Uint8Array.of(0, 0, 1), y: Uint8Array.of(0, 0, 0), p: Uint8Array.of(0, 1, 1), t: Uint32Array.of(0, 0, 9) };
  const frames = binEvents(events, { steps: 2, mode: 'time', width: 2, height: 1 });

  it('colours OFF green, ON blue, both cyan, none black', () => {
    expect(Array.from(eventFrameToRgba(frames, 2, 1, 2, 0))).toEqual([0, 255, 255, 255, 0, 0, 0, 255]);
    expect(Array.from(eventFrameToRgba(frames, 2, 1, 2, 1))).toEqual([0, 0, 0, 255, 0, 0, 255, 255]);
  });

  it.each<[string, () => unknown, RegExp]>([
    ['step 2 of 2', () => eventFrameToRgba(frames, 2, 1, 2, 2), /^eventFrameToRgba: step is 2; allowed: an integer from 0 to 1$/],
    ['a wrong shape', () => eventFrameToRgba(frames, 3, 1, 2, 0), /^eventFrameToRgba: frames has 8 bytes; allowed: steps\*2\*height\*width = 12$/],
  ])('rejects %s', (_, call, expected) => {
    expect(errorOf(call).message).toMatch(expected);
  });
});
