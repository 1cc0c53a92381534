import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';

export type Rgb = [number, number, number];

/** Opaque RGBA pixels with each pixel's colour from `colourAt`. */
export function rgbaOf(width: number, height: number, colourAt: (x: number, y: number) => Rgb): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([...colourAt(x, y), 255], 4 * (y * width + x));
  }
  return data;
}

/** A real PNG file's bytes. */
export function png(width: number, height: number, colourAt: (x: number, y: number) => Rgb): Buffer {
  const image = new PNG({ width, height });
  image.data = rgbaOf(width, height, colourAt);
  return PNG.sync.write(image);
}

/** A real JPEG file's bytes (quality 95) of one solid colour. */
export function jpeg(width: number, height: number, colour: Rgb): Buffer {
  return encodeJpeg({ data: rgbaOf(width, height, () => colour), width, height }, 95).data;
}
