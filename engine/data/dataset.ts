/**
 * The in-memory shape every image dataset takes in the engine, whatever file
 * format or platform it came from. Bytes are kept as bytes (4x smaller than
 * floats) and converted one image at a time when a network needs them.
 */
export interface ImageDataset {
  name: string;
  count: number;
  rows: number;
  cols: number;
  channels: number;
  /** `count * rows * cols * channels` bytes: image-major, then row, column, channel. */
  pixels: Uint8Array;
  /** One label per image, each below `classCount`. */
  labels: Uint8Array;
  classCount: number;
}

/**
 * Event-camera samples (N-MNIST and alike): each sample is kept as the raw bytes of its file in
 * the N-MNIST format (5 bytes per event, see `nmnist.ts`), already validated, since that is both
 * the most compact form and the one stored. `parseNmnist` turns one into an `EventStream`.
 */
export interface EventDataset {
  name: string;
  count: number;
  /** Sensor size in pixels (34x34 for N-MNIST). */
  width: number;
  height: number;
  samples: Uint8Array[];
  /** One label per sample, each below `classCount`. */
  labels: Uint8Array;
  classCount: number;
}

export function pixelsPerImage(ds: ImageDataset): number {
  return ds.rows * ds.cols * ds.channels;
}

/** Images `start` (inclusive) to `end` (exclusive) as views into `ds`: no copy, so writes are shared. */
export function sliceDataset(ds: ImageDataset, start: number, end: number): ImageDataset {
  if (!Number.isInteger(start) || start < 0 || start > ds.count) {
    throw new RangeError(`sliceDataset '${ds.name}': start must be an integer in [0, ${ds.count}], got ${start}`);
  }
  if (!Number.isInteger(end) || end < start || end > ds.count) {
    throw new RangeError(`sliceDataset '${ds.name}': end must be an integer in [${start}, ${ds.count}], got ${end}`);
  }
  const size = pixelsPerImage(ds);
  return {
    ...ds,
    count: end - start,
    pixels: ds.pixels.subarray(start * size, end * size),
    labels: ds.labels.subarray(start, end),
  };
}

/** Intensities of image `index` in [0, 1] (byte / 255), written into `out` if given, to spare allocations in hot loops. */
export function pixelsAsFloat(ds: ImageDataset, index: number, out?: Float32Array): Float32Array {
  if (!Number.isInteger(index) || index < 0 || index >= ds.count) {
    throw new RangeError(`pixelsAsFloat '${ds.name}': index must be an integer in [0, ${ds.count - 1}], got ${index}`);
  }
  const size = pixelsPerImage(ds);
  const target = out ?? new Float32Array(size);
  if (target.length !== size) {
    throw new RangeError(`pixelsAsFloat '${ds.name}': out must have ${size} elements (rows*cols*channels), got ${target.length}`);
  }
  const offset = index * size;
  for (let i = 0; i < size; i++) target[i] = (ds.pixels[offset + i] ?? 0) / 255;
  return target;
}
