/**
 * New samples for a model from files: a PNG or JPEG becomes the model's [channels, height, width]
 * intensities in [0, 1], as its training images were (grey or RGB, area-resized, byte / 255).
 */
import { readFile } from 'node:fs/promises';
import { EngineError } from '../../engine/errors';
import { dropAlpha, resizeArea, toGray } from '../../engine/data/image';
import { decodeImage } from '../../engine/data/image-folder-node';

export async function imageFileIntensities(path: string, sampleShape: readonly number[], opts: { invert?: boolean } = {}): Promise<Float32Array> {
  if (sampleShape.length !== 3 || !(sampleShape[0] === 1 || sampleShape[0] === 3)) {
    throw new EngineError('bad-input', `image ${path}: the model takes samples of shape [${sampleShape.join(', ')}]; allowed for image files: a model of [1 or 3 channels, height, width] images`);
  }
  const [channels, height, width] = sampleShape as [number, number, number];
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new EngineError('bad-input', `cannot read image ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const image = decodeImage(bytes, path);
  const pixels = channels === 1 ? toGray(image.rgba, image.width, image.height) : dropAlpha(image.rgba, image.width, image.height);
  const resized = resizeArea(pixels, image.width, image.height, channels, width, height);
  const plane = width * height;
  const out = new Float32Array(channels * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < channels; c++) {
      const v = resized[i * channels + c]! / 255;
      out[c * plane + i] = opts.invert ? 1 - v : v;
    }
  }
  return out;
}
