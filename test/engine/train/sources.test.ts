import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeKernels } from '../../../engine/backend/backends-node';
import type { Kernels } from '../../../engine/backend/types';
import type { EventDataset, ImageDataset } from '../../../engine/data/dataset';
import type { ModelSpec } from '../../../engine/spec/types';
import { TrainingSession } from '../../../engine/train/session';
import { EventSource, ImageSource } from '../../../engine/train/sources';

/** A dataset of `count` images h×w×c whose byte at (image n, y, x, channel k) is n·100 + k·30 + y·w + x. */
function images(count: number, h: number, w: number, c: number): ImageDataset {
  const pixels = new Uint8Array(count * h * w * c);
  for (let n = 0; n < count; n++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) pixels[((n * h + y) * w + x) * c + k] = n * 100 + k * 30 + y * w + x;
    }
  }
  return { name: 'tiny', count, rows: h, cols: w, channels: c, pixels, labels: new Uint8Array(count), classCount: 2 };
}

describe('ImageSource gives the input layer [channels, height, width]', () => {
  it('an RGB image is reordered into planes: intensity (c, y, x) = byte (y, x, c) / 255', () => {
    const src = new ImageSource(images(2, 2, 3, 3));
    expect(src.inputShape).toEqual([3, 2, 3]);
    const got = src.fill([1], 1);
    for (let k = 0; k < 3; k++) {
      for (let y = 0; y < 2; y++) {
        for (let x = 0; x < 3; x++) expect(got[(k * 2 + y) * 3 + x]).toBeCloseTo((100 + k * 30 + y * 3 + x) / 255, 6);
      }
    }
  });

  it('a grey image keeps its order (HWC and CHW are the same with one channel)', () => {
    const ds = images(1, 3, 4, 1);
    expect(Array.from(new ImageSource(ds).fill([0], 1))).toEqual(Array.from(ds.pixels, (p) => Math.fround(p / 255)));
  });

  it('event samples are [2 polarities, height, width]', () => {
    const ds: EventDataset = { name: 'ev', count: 0, width: 34, height: 30, samples: [], labels: new Uint8Array(0), classCount: 10 };
    expect(new EventSource(ds, { mode: 'count' }).inputShape).toEqual([2, 30, 34]);
  });
});

describe('a conv net checks the map shape of its data, not only the size', () => {
  let kernels: Kernels;
  beforeAll(async () => {
    kernels = await createNodeKernels('wasm', { threads: 1 });
  });
  afterAll(() => kernels.dispose());

  const conv = (shape: number[]): ModelSpec => ({
    layers: [
      { className: 'input', config: { shape } },
      { className: 'conv2d', config: { filters: 2, kernel: 3 } },
      { className: 'flatten' },
      { className: 'output', config: { units: 2 } },
    ],
  });
  const data = (ds: ImageDataset) => ({ train: new ImageSource(ds), test: new ImageSource(ds) });

  it('refuses 4×8 images for a [1, 8, 4] input, naming both shapes', () => {
    expect(() => new TrainingSession(conv([1, 8, 4]), { steps: 2, batchSize: 2 }, data(images(2, 4, 8, 1)), kernels))
      .toThrow(/dataset tiny has samples of shape \[1, 4, 8\] \(channels, height, width\); the network's input layer takes \[1, 8, 4\]/);
  });

  it('accepts the matching shape, and a flat MLP input of the same size (no map there)', () => {
    expect(() => new TrainingSession(conv([1, 4, 8]), { steps: 2, batchSize: 2 }, data(images(2, 4, 8, 1)), kernels)).not.toThrow();
    const mlp: ModelSpec = { layers: [{ className: 'input', config: { shape: [32] } }, { className: 'output', config: { units: 2 } }] };
    expect(() => new TrainingSession(mlp, { steps: 2, batchSize: 2 }, data(images(2, 4, 8, 1)), kernels)).not.toThrow();
  });
});
