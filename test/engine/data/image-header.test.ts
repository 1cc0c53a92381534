import { PNG } from 'pngjs';
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { pngInflatedBound, readJpegSize, readPngHeader } from '../../../engine/data/image-header';
import { decodeImage, MAX_IMAGE_PIXELS } from '../../../engine/data/image-folder-node';
import { expectEngineError } from '../../helpers/errors';
import { jpeg, png, rgbaOf } from '../../helpers/images';

/** The IDAT chunks of a PNG, joined: its zlib stream. */
function idat(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 8; at < bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    if (bytes.toString('latin1', at + 4, at + 8) === 'IDAT') parts.push(bytes.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  return Buffer.concat(parts);
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(type)) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** Adam7's exact inflated size: per pass, its rows of (filter byte + its pixels in whole bytes). */
function adam7Bytes(width: number, height: number, bitsPerPixel: number): number {
  const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];
  let total = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const w = Math.max(0, Math.ceil((width - x0!) / dx!));
    const h = Math.max(0, Math.ceil((height - y0!) / dy!));
    if (w > 0 && h > 0) total += h * (1 + Math.ceil((w * bitsPerPixel) / 8));
  }
  return total;
}

describe('readPngHeader and pngInflatedBound', () => {
  it.each([
    [0, 8],
    [2, 24],
    [4, 16],
    [6, 32],
  ])('colour type %i: the size and %i bits per pixel; the bound is the exact inflated size', (colorType, bits) => {
    const image = new PNG({ width: 13, height: 7 });
    image.data = rgbaOf(13, 7, (x, y) => [x * 9, y * 30, 7]);
    const bytes = PNG.sync.write(image, { colorType: colorType as 0 | 2 | 4 | 6 });
    const header = readPngHeader(bytes)!;
    expect(header).toEqual({ width: 13, height: 7, bitsPerPixel: bits, interlaced: false });
    expect(pngInflatedBound(header)).toBe(inflateSync(idat(bytes)).length);
  });

  it('for interlaced images, bounds Adam7 from above for every small size and depth', () => {
    for (const bits of [1, 2, 8, 24, 64]) {
      for (let width = 1; width <= 20; width++) {
        for (let height = 1; height <= 20; height++) {
          expect(pngInflatedBound({ width, height, bitsPerPixel: bits, interlaced: true })).toBeGreaterThanOrEqual(adam7Bytes(width, height, bits));
        }
      }
    }
  });

  it('is undefined for bytes that do not start with an IHDR chunk', () => {
    expect(readPngHeader(Buffer.alloc(40))).toBeUndefined();
    expect(readPngHeader(png(2, 2, () => [0, 0, 0]).subarray(0, 20))).toBeUndefined();
  });
});

describe('readJpegSize', () => {
  it('finds the frame size of a real JPEG', () => {
    expect(readJpegSize(jpeg(12, 20, [1, 2, 3]))).toEqual({ width: 12, height: 20 });
  });

  it('is undefined for a stream without a frame header', () => {
    expect(readJpegSize(Uint8Array.of(0xff, 0xd8, 0xff, 0xd9))).toBeUndefined();
  });
});

describe('decodeImage refuses what it would not be safe to decode, from the header', () => {
  it('a JPEG declaring 20000 x 20000', async () => {
    const bytes = Buffer.from(jpeg(12, 20, [1, 2, 3]));
    const sof = bytes.indexOf(Buffer.from([0xff, 0xc0]));
    bytes.writeUInt16BE(20000, sof + 5);
    bytes.writeUInt16BE(20000, sof + 7);
    await expectEngineError(() => decodeImage(bytes, 'big.jpg'), 'bad-data', "image 'big.jpg' is a JPEG that declares 20000x20000 pixels", `allowed: at most ${MAX_IMAGE_PIXELS} pixels`);
  });

  it('an interlaced 10 x 10 PNG whose image data inflates to 64 MiB', async () => {
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(10, 0);
    ihdr.writeUInt32BE(10, 4);
    ihdr.set([8, 0, 0, 0, 1], 8); // grey, 8 bits, interlaced
    const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const bomb = Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(64 * 2 ** 20))), chunk('IEND', new Uint8Array())]);
    await expectEngineError(() => decodeImage(bomb, 'bomb.png'), 'bad-data', "image 'bomb.png' is an interlaced PNG whose image data inflates to more than the 152 bytes its 10x10 header allows");
  });
});
