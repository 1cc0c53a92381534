/**
 * The IDX writer, the exact inverse of `parseIdx` (idx.ts): magic `0x00 0x00 <type code> <dimension
 * count>`, one big-endian u32 per dimension, then every element big-endian in row-major order.
 * Pure: typed array in, bytes out (gzip, when wanted, belongs to the caller's platform).
 */
import { IDX_MAX_DATA_BYTES, IdxError, type IdxArray, type IdxType } from './idx';

const TYPE_CODES: Record<IdxType, { code: number; size: number; set: (v: DataView, at: number, x: number) => void }> = {
  u8: { code: 0x08, size: 1, set: (v, at, x) => v.setUint8(at, x) },
  i8: { code: 0x09, size: 1, set: (v, at, x) => v.setInt8(at, x) },
  i16: { code: 0x0b, size: 2, set: (v, at, x) => v.setInt16(at, x, false) },
  i32: { code: 0x0c, size: 4, set: (v, at, x) => v.setInt32(at, x, false) },
  f32: { code: 0x0d, size: 4, set: (v, at, x) => v.setFloat32(at, x, false) },
  f64: { code: 0x0e, size: 8, set: (v, at, x) => v.setFloat64(at, x, false) },
};

/** An IDX file of `array`; its dims must be 1 to 255 positive integers whose product is the data's length. */
export function encodeIdx(array: IdxArray, name = 'IDX data'): Uint8Array {
  const { type, dims, data } = array;
  const kind = TYPE_CODES[type];
  if (!kind) throw new IdxError(`${name}: type is ${JSON.stringify(type)}; allowed: ${Object.keys(TYPE_CODES).join(', ')}`);
  if (dims.length < 1 || dims.length > 255 || !dims.every((d) => Number.isInteger(d) && d >= 1 && d <= 0xffffffff)) {
    throw new IdxError(`${name}: dims are [${dims.join(', ')}]; allowed: 1 to 255 integers from 1 to 4294967295`);
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new IdxError(`${name}: dims [${dims.join(', ')}] hold ${count} elements; the data has ${data.length}`);
  if (count * kind.size > IDX_MAX_DATA_BYTES) throw new IdxError(`${name}: ${count * kind.size} bytes of data; allowed: at most ${IDX_MAX_DATA_BYTES}`);
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + count * kind.size);
  const view = new DataView(out.buffer);
  out[2] = kind.code;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  if (kind.size === 1) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), header);
  else for (let i = 0; i < count; i++) kind.set(view, header + i * kind.size, data[i]!);
  return out;
}
