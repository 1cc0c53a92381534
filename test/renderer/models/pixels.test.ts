import { describe, expect, it } from 'vitest';
import { resizeArea, toGray } from '../../../engine/data/image';
import {
  borderMean, centreLikeMnist, drawingInput, imageGeometry, imageInput, inkBox, inputPreview, looksInverted, sampleInput, toPlanes,
} from '../../../renderer/src/models/pixels';
import { loadMnistSlice } from '../helpers/mnist';

/** The first `count` MNIST test digits. */
async function mnistTest(count: number): Promise<{ pixels: Uint8Array }> {
  return (await loadMnistSlice(1, count)).test;
}

const GREY28 = { channels: 1, height: 28, width: 28 };

/** A w×h grey picture with the rectangle [x0, x1) × [y0, y1) at `value`. */
function rect(w: number, h: number, x0: number, y0: number, x1: number, y1: number, value = 255): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = y0; y < y1; y++) out.fill(value, y * w + x0, y * w + x1);
  return out;
}

/** Grey → RGBA with the grey in R, G and B. */
function rgbaOf(grey: Uint8Array): Uint8Array {
  const out = new Uint8Array(grey.length * 4);
  grey.forEach((v, i) => out.set([v, v, v, 255], 4 * i));
  return out;
}

function centreOfMass(grey: ArrayLike<number>, w: number, h: number): [number, number] {
  let m = 0, mx = 0, my = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = grey[y * w + x]!;
      m += v;
      mx += v * x;
      my += v * y;
    }
  }
  return [mx / m, my / m];
}

describe('image geometry of a model input', () => {
  it('takes [C, H, W] of 1 or 3 channels, and a flat square input as one grey picture', () => {
    expect(imageGeometry([1, 28, 28])).toEqual(GREY28);
    expect(imageGeometry([3, 32, 32])).toEqual({ channels: 3, height: 32, width: 32 });
    expect(imageGeometry([784])).toEqual(GREY28);
    expect(imageGeometry([2, 34, 34])).toBeNull(); // events
    expect(imageGeometry([100])).toEqual({ channels: 1, height: 10, width: 10 });
    expect(imageGeometry([120])).toBeNull();
  });
});

describe("MNIST's normalisation", () => {
  it('leaves every real MNIST digit exactly as it is (its ink box is already 20 pixels, its centre of mass at index 14)', async () => {
    const mnist = await mnistTest(300);
    for (let i = 0; i < 300; i++) {
      const digit = mnist.pixels.subarray(i * 784, (i + 1) * 784);
      expect(centreLikeMnist(digit, 28, 28, 28, 28, 0), `test digit ${i}`).toEqual(digit);
    }
  });

  it('brings a real digit drawn ten times larger and off-centre back to the original', async () => {
    const mnist = await mnistTest(50);
    let exact = 0;
    for (let i = 0; i < 50; i++) {
      const digit = mnist.pixels.subarray(i * 784, (i + 1) * 784);
      const big = new Uint8Array(400 * 300); // 280×280 blow-up, placed at (100, 10) on a larger pad
      for (let y = 0; y < 280; y++) for (let x = 0; x < 280; x++) big[(y + 10) * 400 + x + 100] = digit[Math.floor(y / 10) * 28 + Math.floor(x / 10)]!;
      expect(centreLikeMnist(big, 400, 300, 28, 28, 0), `test digit ${i}`).toEqual(digit);
      const withDefault = centreLikeMnist(big, 400, 300, 28, 28);
      if (withDefault.every((v, k) => v === digit[k])) exact++;
      const meanDiff = withDefault.reduce((s, v, k) => s + Math.abs(v - digit[k]!), 0) / 784;
      expect(meanDiff, `test digit ${i}`).toBeLessThan(20); // the default ink threshold drops faint edge pixels from the box
    }
    expect(exact).toBeGreaterThan(35);
  });

  it('fits the ink into a 20-pixel box with its aspect kept and its centre of mass at the centre', () => {
    // A 60 × 180 ellipse in the top-left corner of a 280 × 280 pad.
    const pad = new Uint8Array(280 * 280);
    for (let y = 0; y < 280; y++) for (let x = 0; x < 280; x++) if (((x - 40) / 30) ** 2 + ((y - 95) / 90) ** 2 <= 1) pad[y * 280 + x] = 255;
    const out = centreLikeMnist(pad, 280, 280, 28, 28);
    const box = inkBox(out, 28, 28, 0)!;
    expect(box.y1 - box.y0).toBe(20);
    expect(box.x1 - box.x0).toBe(7); // 61 · 20/181 ≈ 6.7
    const [cx, cy] = centreOfMass(out, 28, 28);
    expect(Math.abs(cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(cy - 14)).toBeLessThanOrEqual(0.5);
    // Area averaging leaves grey edges, as MNIST's anti-aliasing does.
    expect([...out].some((v) => v > 0 && v < 255)).toBe(true);
  });

  it('scales to other field sizes by the same 20/28 ratio, and keeps a blank picture blank', () => {
    const out = centreLikeMnist(rect(100, 100, 40, 40, 60, 60), 100, 100, 14, 14);
    const box = inkBox(out, 14, 14, 0)!;
    expect([box.x1 - box.x0, box.y1 - box.y0]).toEqual([10, 10]);
    expect(centreLikeMnist(new Uint8Array(50 * 50), 50, 50, 28, 28)).toEqual(new Uint8Array(784));
    expect(inkBox(new Uint8Array(9).fill(25), 3, 3)).toBeNull(); // at the threshold is not ink
  });
});

describe('pictures to model inputs', () => {
  it('lays channels out as planes [C, H, W], byte / 255', () => {
    // 2×1 RGB: pixel 0 = (10, 20, 30), pixel 1 = (40, 50, 60).
    const planes = toPlanes(Uint8Array.of(10, 20, 30, 40, 50, 60), 2, 1, 3);
    expect(Array.from(planes, (v) => Math.round(v * 255))).toEqual([10, 40, 20, 50, 30, 60]);
  });

  it('turns a drawing into a centred grey input in [0, 1], repeated over the channels of a colour model', () => {
    const pad = rect(280, 280, 200, 30, 240, 250);
    const grey = drawingInput(rgbaOf(pad), 280, 280, GREY28);
    expect(grey.length).toBe(784);
    expect(Math.max(...grey)).toBe(1);
    expect(Math.min(...grey)).toBe(0);
    const [cx] = centreOfMass(grey, 28, 28);
    expect(Math.abs(cx - 14)).toBeLessThanOrEqual(0.5);
    const colour = drawingInput(rgbaOf(pad), 280, 280, { channels: 3, height: 28, width: 28 });
    expect(colour.length).toBe(3 * 784);
    expect(colour.subarray(0, 784)).toEqual(grey);
    expect(colour.subarray(1568)).toEqual(grey);
  });

  it('converts an image file as an image-folder import does, unless asked to invert or centre', () => {
    const w = 56, h = 42;
    const rgba = new Uint8Array(w * h * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 37) % 256));
    const plain = imageInput(rgba, w, h, GREY28, { invert: false, centre: false });
    const reference = resizeArea(toGray(rgba, w, h), w, h, 1, 28, 28);
    expect(Array.from(plain, (v) => Math.round(v * 255))).toEqual(Array.from(reference));
    const inverted = imageInput(rgba, w, h, GREY28, { invert: true, centre: false });
    expect(Array.from(inverted, (v) => Math.round(v * 255))).toEqual(Array.from(resizeArea(toGray(rgba, w, h).map((v) => 255 - v), w, h, 1, 28, 28)));
    const colour = imageInput(rgba, w, h, { channels: 3, height: 7, width: 7 }, { invert: true, centre: true }); // options are for grey models
    expect(colour.length).toBe(3 * 49);
    expect(Math.round(colour[0]! * 255)).toBe(resizeArea(Uint8Array.from(rgba.filter((_, i) => i % 4 !== 3)), w, h, 3, 7, 7)[0]);
  });

  it('tells dark ink on paper from light ink on black by the border', () => {
    const paper = new Uint8Array(20 * 20).fill(230);
    for (let y = 3; y < 17; y++) paper.fill(20, y * 20 + 8, y * 20 + 12); // a dark stroke in the middle
    expect(borderMean(paper, 20, 20)).toBe(230);
    expect(looksInverted(rgbaOf(paper), 20, 20)).toBe(true);
    expect(looksInverted(rgbaOf(rect(20, 20, 8, 3, 12, 17)), 20, 20)).toBe(false);
  });

  it("gives a dataset sample's thumbnail back as exactly the intensities training fed", async () => {
    const mnist = await mnistTest(3);
    const digit = mnist.pixels.subarray(784, 1568);
    const input = sampleInput(rgbaOf(digit), 28, 28, GREY28);
    expect(input).toEqual(Float32Array.from(digit, (v) => v / 255)); // sources.ts's byte / 255, in float32 as there
    // RGB thumbnails keep their channels, as planes.
    const rgb = sampleInput(Uint8Array.of(10, 20, 30, 255, 40, 50, 60, 255), 2, 1, { channels: 3, height: 1, width: 2 });
    expect(Array.from(rgb, (v) => Math.round(v * 255))).toEqual([10, 40, 20, 50, 30, 60]);
  });

  it('previews an input as RGBA (grey repeated, or the three planes)', () => {
    expect(Array.from(inputPreview(Float32Array.of(0, 1), { channels: 1, height: 1, width: 2 }))).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
    expect(Array.from(inputPreview(Float32Array.of(1, 0, 0.5, 0, 0, 1), { channels: 3, height: 1, width: 2 }))).toEqual([255, 128, 0, 255, 0, 0, 255, 255]);
  });
});
