/**
 * Pictures → what a model's input layer takes: intensities in [0, 1], channel-major [C, H, W]
 * (a pixel byte / 255 is the Bernoulli spike probability per step, as in training). Drawings and
 * dropped images go through MNIST's own normalisation when asked: the ink's bounding box scaled to
 * fit a 20×20 box (aspect kept, area-averaged, so edges come out grey), then placed in the 28×28
 * field with its centre of mass at the centre (LeCun et al., the MNIST database's description).
 * Pure: pixels in, numbers out; the canvas and the image decoding stay in the components.
 */
import { dropAlpha, resizeArea, toGray } from '../../../engine/data/image';

/** The picture geometry of a model's input. */
export interface ImageGeometry {
  channels: number;
  height: number;
  width: number;
}

/**
 * [C, H, W] as it is, or a flat [n] input with n a perfect square as one grey n = s × s picture
 * (an MLP's input layer written as [784]); null when the input is not a picture of 1 or 3 channels.
 */
export function imageGeometry(sampleShape: readonly number[]): ImageGeometry | null {
  if (sampleShape.length === 3) {
    const [channels, height, width] = sampleShape as [number, number, number];
    return channels === 1 || channels === 3 ? { channels, height, width } : null;
  }
  if (sampleShape.length === 1) {
    const side = Math.round(Math.sqrt(sampleShape[0]!));
    return side * side === sampleShape[0] ? { channels: 1, height: side, width: side } : null;
  }
  return null;
}

/** A grey level (0–255) counts as ink above this: MNIST's strokes fade out below it. */
const INK = 25;

/** The smallest rectangle holding every pixel above `threshold`; null for a blank picture. */
export function inkBox(grey: Uint8Array, width: number, height: number, threshold = INK): { x0: number; y0: number; x1: number; y1: number } | null {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (grey[y * width + x]! <= threshold) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? null : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

/**
 * MNIST's normalisation of a light-on-dark picture into `outW × outH`: the ink's bounding box
 * scaled so its longer side is 20/28 of the field, then shifted so the centre of mass sits at the
 * field's centre (rounded to whole pixels; ink pushed past an edge is cut). A blank picture stays blank.
 */
export function centreLikeMnist(grey: Uint8Array, width: number, height: number, outW: number, outH: number, threshold = INK): Uint8Array {
  const out = new Uint8Array(outW * outH);
  const box = inkBox(grey, width, height, threshold);
  if (!box) return out;
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  const crop = new Uint8Array(bw * bh);
  for (let y = 0; y < bh; y++) crop.set(grey.subarray((box.y0 + y) * width + box.x0, (box.y0 + y) * width + box.x1), y * bw);
  const fit = Math.max(1, Math.round((Math.min(outW, outH) * 20) / 28));
  const scale = fit / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale));
  const th = Math.max(1, Math.round(bh * scale));
  const digit = resizeArea(crop, bw, bh, 1, tw, th);
  // Centre of mass by pixel index, moved to index (outW/2, outH/2): where MNIST's digits have it
  // (mean 14.00, 13.99 over the first 2000 test digits).
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = digit[y * tw + x]!;
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  // The area-average can fade a tiny mark to nothing: then centre the box itself.
  const cx = mass > 0 ? mx / mass : (tw - 1) / 2;
  const cy = mass > 0 ? my / mass : (th - 1) / 2;
  const left = Math.round(outW / 2 - cx);
  const top = Math.round(outH / 2 - cy);
  for (let y = 0; y < th; y++) {
    const oy = top + y;
    if (oy < 0 || oy >= outH) continue;
    for (let x = 0; x < tw; x++) {
      const ox = left + x;
      if (ox >= 0 && ox < outW) out[oy * outW + ox] = digit[y * tw + x]!;
    }
  }
  return out;
}

/** Mean grey level (0–255) of the outermost pixels: a light border means dark ink on paper. */
export function borderMean(grey: Uint8Array, width: number, height: number): number {
  let sum = 0, n = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (y !== 0 && y !== height - 1 && x !== 0 && x !== width - 1) continue;
      sum += grey[y * width + x]!;
      n++;
    }
  }
  return n > 0 ? sum / n : 0;
}

/** Does a picture look like dark ink on a light background (so an MNIST-style model needs it inverted)? */
export function looksInverted(rgba: Uint8Array, width: number, height: number): boolean {
  return borderMean(toGray(rgba, width, height), width, height) > 127;
}

/** Interleaved bytes [H, W, C] → intensities [C, H, W] (byte / 255). */
export function toPlanes(pixels: Uint8Array, width: number, height: number, channels: number): Float32Array {
  const plane = width * height;
  const out = new Float32Array(channels * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < channels; c++) out[c * plane + i] = pixels[i * channels + c]! / 255;
  }
  return out;
}

/** One grey plane repeated over every channel (a drawing fed to a colour model is white on black). */
function repeatGrey(grey: Uint8Array, channels: number): Uint8Array {
  if (channels === 1) return grey;
  const out = new Uint8Array(grey.length * channels);
  for (let i = 0; i < grey.length; i++) out.fill(grey[i]!, i * channels, (i + 1) * channels);
  return out;
}

/** A drawing (light strokes on black, RGBA) → model input: grey, centred like MNIST. */
export function drawingInput(rgba: Uint8Array, width: number, height: number, geometry: ImageGeometry): Float32Array {
  const grey = centreLikeMnist(toGray(rgba, width, height), width, height, geometry.width, geometry.height);
  return toPlanes(repeatGrey(grey, geometry.channels), geometry.width, geometry.height, geometry.channels);
}

export interface ImageOptions {
  /** Dark ink on a light background → light on dark (MNIST's polarity); grey models only. */
  invert: boolean;
  /** MNIST's 20×20 box and centre of mass instead of stretching the whole picture; grey models only. */
  centre: boolean;
}

/**
 * An image file (RGBA, alpha already composited) → model input. Without options this is exactly
 * what an image-folder import does (engine/data/image.ts: BT.601 grey or RGB, area resize to the
 * input's size, stretched), so a picture of a training class is seen as in training.
 */
export function imageInput(rgba: Uint8Array, width: number, height: number, geometry: ImageGeometry, options: ImageOptions): Float32Array {
  const { channels, width: outW, height: outH } = geometry;
  if (channels === 3) return toPlanes(resizeArea(dropAlpha(rgba, width, height), width, height, 3, outW, outH), outW, outH, 3);
  let grey = toGray(rgba, width, height);
  if (options.invert) grey = grey.map((v) => 255 - v);
  const fitted = options.centre ? centreLikeMnist(grey, width, height, outW, outH) : resizeArea(grey, width, height, 1, outW, outH);
  return toPlanes(fitted, outW, outH, 1);
}

/**
 * A dataset sample's RGBA thumbnail (exact pixels: grey repeated in R, G, B, or RGB) → the
 * intensities training fed for it.
 */
export function sampleInput(rgba: Uint8Array, width: number, height: number, geometry: ImageGeometry): Float32Array {
  const rgb = dropAlpha(rgba, width, height);
  const pixels = geometry.channels === 3 ? rgb : rgb.filter((_, i) => i % 3 === 0);
  const sized = width === geometry.width && height === geometry.height ? pixels : resizeArea(pixels, width, height, geometry.channels, geometry.width, geometry.height);
  return toPlanes(sized, geometry.width, geometry.height, geometry.channels);
}

/** Intensities [C, H, W] → RGBA for a preview canvas (grey for one channel). */
export function inputPreview(input: Float32Array, geometry: ImageGeometry): Uint8ClampedArray<ArrayBuffer> {
  const plane = geometry.width * geometry.height;
  const out = new Uint8ClampedArray(plane * 4);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[4 * i + c] = Math.round(255 * input[(geometry.channels === 3 ? c : 0) * plane + i]!);
    out[4 * i + 3] = 255;
  }
  return out;
}
