import { describe, it, expect, beforeAll } from 'vitest';
import { Augmenter } from '../../../engine/augment/augmenter';
import { ImageSource } from '../../../engine/train/sources';
import { SIMARD_MNIST, drawElasticField } from '../../../engine/augment/elastic';
import { gaussianKernel } from '../../../engine/augment/gaussian';
import { createAugmentation } from '../../../engine/augment/registry';
import { readIdxImagesPrefix } from '../../../engine/data/idx-file-node';
import { locateMnistFiles } from '../../../engine/data/mnist-node';
import { Rng } from '../../../engine/rng';

const MNIST_SHAPE = { rows: 28, cols: 28, channels: 1 };
const mass = (img: Uint8Array) => img.reduce((a, b) => a + b, 0);

let digit: Uint8Array; // MNIST training image 0, a 5

beforeAll(async () => {
  const { images } = await readIdxImagesPrefix((await locateMnistFiles()).trainImages, 1);
  digit = images.pixels;
  expect(digit.length).toBe(784);
});

describe('drawElasticField', () => {
  it('has the spread theory gives: α·√(1/3)·Σg², the std of smoothed U[−1, 1] noise, away from the borders', () => {
    const n = 64;
    const { alpha, sigma } = SIMARD_MNIST;
    const kernel = gaussianKernel(sigma);
    const sumSq = kernel.reduce((a, g) => a + g * g, 0);
    const expectedStd = alpha * Math.sqrt(1 / 3) * sumSq; // ≈ 34 · 0.577 · 0.0708 ≈ 1.39 px
    const dx = new Float32Array(n * n);
    const dy = new Float32Array(n * n);
    const work = new Float32Array(n * n);
    const rng = new Rng(11);
    const r = (kernel.length - 1) / 2;
    let sq = 0;
    let mean = 0;
    let count = 0;
    for (let draw = 0; draw < 40; draw++) {
      drawElasticField(rng, n, n, alpha, kernel, dx, dy, work);
      for (let y = r; y < n - r; y++) {
        for (let x = r; x < n - r; x++) {
          for (const f of [dx, dy]) {
            sq += f[y * n + x]! ** 2;
            mean += f[y * n + x]!;
            count++;
          }
        }
      }
    }
    expect(Math.abs(mean / count)).toBeLessThan(0.1 * expectedStd);
    expect(Math.sqrt(sq / count) / expectedStd).toBeGreaterThan(0.9);
    expect(Math.sqrt(sq / count) / expectedStd).toBeLessThan(1.1);
  });
});

describe('elastic distortion', () => {
  it('α = 0 is the identity, exactly', () => {
    const dst = new Uint8Array(784);
    createAugmentation({ name: 'elastic', alpha: 0, sigma: 4 }).apply(digit, dst, MNIST_SHAPE, new Rng(1));
    expect(dst).toEqual(digit);
  });

  it('distorts a real digit while roughly keeping its ink', () => {
    const aug = createAugmentation(SIMARD_MNIST);
    const dst = new Uint8Array(784);
    const rng = new Rng(5);
    const ratios: number[] = [];
    for (let i = 0; i < 50; i++) {
      aug.apply(digit, dst, MNIST_SHAPE, rng);
      let changed = 0;
      for (let p = 0; p < 784; p++) if (dst[p] !== digit[p]) changed++;
      expect(changed).toBeGreaterThan(20);
      ratios.push(mass(dst) / mass(digit));
    }
    // A warp with a smooth, zero-mean field moves ink but creates or loses little of it.
    for (const r of ratios) expect(Math.abs(r - 1)).toBeLessThan(0.35);
    const meanRatio = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    expect(Math.abs(meanRatio - 1)).toBeLessThan(0.1);
  });

  it('works on several channels, moving them alike', () => {
    const rgb = new Uint8Array(784 * 3);
    for (let p = 0; p < 784; p++) rgb.fill(digit[p]!, 3 * p, 3 * p + 3);
    const shape = { ...MNIST_SHAPE, channels: 3 };
    const out = new Uint8Array(784 * 3);
    const grey = new Uint8Array(784);
    createAugmentation(SIMARD_MNIST).apply(rgb, out, shape, new Rng(9));
    createAugmentation(SIMARD_MNIST).apply(digit, grey, MNIST_SHAPE, new Rng(9));
    for (let p = 0; p < 784; p++) for (let c = 0; c < 3; c++) expect(out[3 * p + c]).toBe(grey[p]);
  });

  it('reuses one instance across image sizes', () => {
    const aug = createAugmentation({ name: 'elastic', alpha: 8, sigma: 2 });
    const small = new Uint8Array(100).fill(200);
    aug.apply(small, new Uint8Array(100), { rows: 10, cols: 10, channels: 1 }, new Rng(1));
    const a = new Uint8Array(784);
    aug.apply(digit, a, MNIST_SHAPE, new Rng(2));
    const b = new Uint8Array(784);
    createAugmentation({ name: 'elastic', alpha: 8, sigma: 2 }).apply(digit, b, MNIST_SHAPE, new Rng(2));
    expect(a).toEqual(b);
  });
});

describe('Augmenter: per-sample, counter-based seeding', () => {
  const configs = [SIMARD_MNIST];

  it('same run seed, epoch and sample → the same bytes; another epoch, sample or run → different', () => {
    const out = () => new Uint8Array(784);
    const a = out(), b = out(), otherEpoch = out(), otherSample = out(), otherRun = out();
    new Augmenter(configs, 1).apply(digit, a, MNIST_SHAPE, 3, 17);
    new Augmenter(configs, 1).apply(digit, b, MNIST_SHAPE, 3, 17);
    new Augmenter(configs, 1).apply(digit, otherEpoch, MNIST_SHAPE, 4, 17);
    new Augmenter(configs, 1).apply(digit, otherSample, MNIST_SHAPE, 3, 18);
    new Augmenter(configs, 2).apply(digit, otherRun, MNIST_SHAPE, 3, 17);
    expect(b).toEqual(a);
    expect(a).not.toEqual(digit);
    for (const other of [otherEpoch, otherSample, otherRun]) expect(other).not.toEqual(a);
  });

  it('a training batch\'s sample comes out the same whatever the batch order, batch size or history of the instance', () => {
    const ds = { name: 'copies', count: 4, ...MNIST_SHAPE, pixels: new Uint8Array(784 * 4), labels: new Uint8Array(4), classCount: 10 };
    for (let i = 0; i < 4; i++) ds.pixels.set(digit, i * 784); // four copies: only the seed tells them apart
    const one = new Augmenter(configs, 7);
    const source = new ImageSource(ds);
    const batchA = source.fill([0, 1, 2, 3], 4, { augmenter: one, epoch: 2 }).slice();
    const batchB = source.fill([3, 1], 2, { augmenter: one, epoch: 2 }).slice();
    const fresh = new ImageSource(ds).fill([2], 1, { augmenter: new Augmenter(configs, 7), epoch: 2 }).slice();
    expect(source.fill([2], 1)).toEqual(Float32Array.from(digit, (v) => v / 255)); // no augmentation: the image
    expect(batchB.subarray(0, 784)).toEqual(batchA.subarray(3 * 784));
    expect(batchB.subarray(784)).toEqual(batchA.subarray(784, 2 * 784));
    expect(fresh).toEqual(batchA.subarray(2 * 784, 3 * 784));
    expect(batchA.subarray(0, 784)).not.toEqual(batchA.subarray(784, 2 * 784));
    for (const v of batchA) expect(v >= 0 && v <= 1).toBe(true);
  });

  it('chains augmentations in order; none is a copy', () => {
    const dst = new Uint8Array(784);
    new Augmenter([], 1).apply(digit, dst, MNIST_SHAPE, 1, 0);
    expect(dst).toEqual(digit);
    const chained = new Uint8Array(784);
    new Augmenter([{ name: 'shift', max: 2 }, SIMARD_MNIST, { name: 'shift', max: 0 }], 1).apply(digit, chained, MNIST_SHAPE, 1, 0);
    const elasticOnly = new Uint8Array(784);
    new Augmenter([SIMARD_MNIST], 1).apply(digit, elasticOnly, MNIST_SHAPE, 1, 0);
    expect(chained).not.toEqual(elasticOnly);
    expect(Math.abs(mass(chained) / mass(digit) - 1)).toBeLessThan(0.35);
  });
});
