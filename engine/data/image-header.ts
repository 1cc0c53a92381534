/**
 * The size a PNG or JPEG file declares, read from its header before anything is decoded. Decoders
 * allocate what the header declares: a 1.5 MB PNG can declare 20000 x 20000 pixels (1.6 GB of RGBA
 * once decoded), so the declared size is checked against a limit first.
 */

export interface PngHeader {
  width: number;
  height: number;
  /** Bits per pixel: bit depth x samples (grey 1, RGB 3, palette 1, grey+alpha 2, RGBA 4). */
  bitsPerPixel: number;
  interlaced: boolean;
}

const PNG_SAMPLES: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** The IHDR chunk, which a PNG must start with (after its 8-byte signature); undefined if it does not. */
export function readPngHeader(bytes: Uint8Array): PngHeader | undefined {
  if (bytes.length < 33) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = String.fromCharCode(...bytes.subarray(12, 16));
  if (view.getUint32(8) !== 13 || type !== 'IHDR') return undefined;
  const samples = PNG_SAMPLES[bytes[25]!];
  if (samples === undefined) return undefined;
  return { width: view.getUint32(16), height: view.getUint32(20), bitsPerPixel: bytes[24]! * samples, interlaced: bytes[28] === 1 };
}

/**
 * The most bytes a PNG's image data may inflate to: a filter byte per row plus the pixels; an
 * interlaced image (Adam7) has up to 15/8 of the rows plus 7, each padded to whole bytes.
 */
export function pngInflatedBound(h: PngHeader): number {
  const pixelBytes = Math.ceil((h.width * h.height * h.bitsPerPixel) / 8);
  if (!h.interlaced) return pixelBytes + h.height;
  const passRows = Math.ceil((15 * h.height) / 8) + 7;
  return pixelBytes + 2 * passRows;
}

/**
 * The frame size of a JPEG: the first start-of-frame marker (SOF0 to SOF15, not DHT, JPG or DAC)
 * found by walking the marker segments; undefined when there is none before the scan, or the
 * height is left to a later DNL marker (0).
 */
export function readJpegSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan or end before any frame
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (at + 9 > bytes.length) return undefined;
      const height = view.getUint16(at + 5);
      const width = view.getUint16(at + 7);
      return height === 0 ? undefined : { width, height };
    }
    at += 2 + view.getUint16(at + 2);
  }
  return undefined;
}
