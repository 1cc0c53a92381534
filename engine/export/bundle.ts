import { EngineError } from '../errors';
import { NETWORK_KINDS } from '../model/networks';
import { checkModel, type ModelDescription, type ModelTensor, type TrainedModel } from './model';

/**
 * The model bundle `.stbp`: one file holding a TrainedModel whole. Layout, every integer a
 * little-endian u32:
 *
 *   0   magic "STBPMODL"
 *   8   format version (1)
 *   12  CRC-32 (IEEE, as zlib and PNG) of every byte from offset 16 to the end of the file
 *   16  header length H in bytes
 *   20  payload length P in bytes
 *   24  header: UTF-8 JSON { description: ModelDescription, tensors: TensorEntry[] }
 *   24+H  zero padding to a multiple of 4
 *   then the payload: each tensor's float32 values, little-endian, in table order, back to back.
 *
 * The version sits before the checksum so that a build can always tell a newer file from a damaged
 * one; the checksum covers the lengths, the header and the payload, so any flipped byte after it
 * is caught.
 */
export const BUNDLE_MAGIC = 'STBPMODL';
export const BUNDLE_VERSION = 1;
const PRELUDE = 24;

/** One row of the header's tensor table: where a tensor's values lie in the payload. */
export interface TensorEntry {
  name: string;
  shape: number[];
  /** Always 'float32' (little-endian) in version 1. */
  dtype: 'float32';
  /** Byte offset from the start of the payload. */
  offset: number;
  /** Number of values. */
  length: number;
}

export interface BundleHeader {
  description: ModelDescription;
  tensors: TensorEntry[];
}

/** The bundle's bytes; the model is checked first (spec infers, tensors fit it), so no bad file is written. */
export function encodeBundle(model: TrainedModel): Uint8Array {
  checkModel(model);
  const { tensors, ...description } = model;
  let offset = 0;
  const table: TensorEntry[] = tensors.map((t) => {
    const entry: TensorEntry = { name: t.name, shape: t.shape.slice(), dtype: 'float32', offset, length: t.data.length };
    offset += t.data.length * 4;
    return entry;
  });
  const header = new TextEncoder().encode(JSON.stringify({ description, tensors: table } satisfies BundleHeader));
  const start = align4(PRELUDE + header.length);
  const out = new Uint8Array(start + offset);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(BUNDLE_MAGIC), 0);
  view.setUint32(8, BUNDLE_VERSION, true);
  view.setUint32(16, header.length, true);
  view.setUint32(20, offset, true);
  out.set(header, PRELUDE);
  tensors.forEach((t, i) => {
    const at = start + table[i]!.offset;
    for (let k = 0; k < t.data.length; k++) view.setFloat32(at + 4 * k, t.data[k]!, true);
  });
  view.setUint32(12, crc32(out.subarray(16)), true);
  return out;
}

/**
 * The model a bundle holds. Refuses, naming what is wrong: a file that is not a bundle (and what it
 * looks like), a newer format, a truncated or corrupted file, a header that is not the expected
 * JSON, a tensor table that does not tile the payload, and a model that fails `checkModel`.
 */
export function decodeBundle(bytes: Uint8Array): TrainedModel {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8 || ascii(bytes.subarray(0, 8)) !== BUNDLE_MAGIC) {
    throw fail(`it does not start with ${BUNDLE_MAGIC}: ${describeForeign(bytes)}; allowed: a model bundle (.stbp) written by STBP Workbench`);
  }
  if (bytes.length < 12) throw fail(`it is truncated: ${bytes.length} bytes, not even its format version`);
  const version = view.getUint32(8, true);
  if (version > BUNDLE_VERSION) {
    throw fail(`it was written by a newer STBP Workbench: format version ${version}, this build reads up to ${BUNDLE_VERSION}`);
  }
  if (version < 1) throw fail(`format version ${version}; allowed: 1 to ${BUNDLE_VERSION}`);
  if (bytes.length < PRELUDE) throw fail(`it is truncated: ${bytes.length} bytes, less than its ${PRELUDE}-byte prelude`);
  const headerLength = view.getUint32(16, true);
  const payloadLength = view.getUint32(20, true);
  const start = align4(PRELUDE + headerLength);
  const expected = start + payloadLength;
  if (bytes.length < expected) throw fail(`it is truncated: ${bytes.length} bytes, its prelude says ${expected}`);
  if (bytes.length > expected) throw fail(`${bytes.length - expected} unexpected bytes follow the payload (the file has ${bytes.length} bytes, its prelude says ${expected})`);
  const stored = view.getUint32(12, true);
  const actual = crc32(bytes.subarray(16));
  if (stored !== actual) throw fail(`it is corrupted: CRC-32 ${hex(actual)} of its contents, ${hex(stored)} recorded`);
  const header = parseHeader(bytes.subarray(PRELUDE, PRELUDE + headerLength));
  const tensors = readTensors(header.tensors, view, start, payloadLength);
  const model: TrainedModel = { ...header.description, tensors };
  try {
    checkModel(model);
  } catch (e) {
    if (e instanceof EngineError) throw fail(`the model in it is invalid: ${e.message}`);
    throw e;
  }
  return model;
}

function parseHeader(json: Uint8Array): BundleHeader {
  let h: unknown;
  try {
    h = JSON.parse(new TextDecoder().decode(json));
  } catch (e) {
    throw fail(`its header is not JSON (${(e as Error).message})`);
  }
  const header = h as Partial<BundleHeader> | null;
  if (!isObject(header)) throw fail(`its header is ${JSON.stringify(h)}; allowed: an object { description, tensors }`);
  if (!Array.isArray(header.tensors)) throw fail('its header has no tensor table (tensors: an array)');
  const d = header.description as Partial<ModelDescription> | undefined;
  if (!isObject(d)) throw fail('its header has no model description (description: an object)');
  const missing = (field: keyof ModelDescription, allowed: string) => fail(`its model description's ${field} is ${JSON.stringify(d[field]) ?? 'missing'}; allowed: ${allowed}`);
  if (typeof d.name !== 'string') throw missing('name', 'a string');
  if (!isObject(d.spec)) throw missing('spec', 'a model spec object');
  if (!NETWORK_KINDS.includes(d.network as never)) throw missing('network', NETWORK_KINDS.join(' or '));
  if (!isObject(d.coding) || !['bernoulli', 'events'].includes((d.coding as { kind: string }).kind)) throw missing('coding', "{ kind: 'bernoulli' | 'events', steps, … }");
  const ds = d.dataset;
  if (!isObject(ds) || !Array.isArray(ds.sampleShape) || !Array.isArray(ds.classNames)) throw missing('dataset', '{ name, kind, sampleShape: number[], classNames: string[] }');
  if (!isObject(d.provenance)) throw missing('provenance', 'an object');
  return header as BundleHeader;
}

/** The tensors the table describes; the table must tile the payload exactly, in order, without overlap. */
function readTensors(table: TensorEntry[], view: DataView, start: number, payloadLength: number): ModelTensor[] {
  let next = 0;
  const names = new Set<string>();
  const tensors = table.map((e, i) => {
    const where = `tensor table entry ${i} (${JSON.stringify(e?.name)})`;
    if (!isObject(e) || typeof e.name !== 'string') throw fail(`${where}: not { name, shape, dtype, offset, length }`);
    if (names.has(e.name)) throw fail(`${where}: the name appears twice`);
    names.add(e.name);
    if (e.dtype !== 'float32') throw fail(`${where}: dtype ${JSON.stringify(e.dtype)}; allowed: "float32"`);
    if (!Array.isArray(e.shape) || !e.shape.every((n) => Number.isInteger(n) && n >= 0)) throw fail(`${where}: shape ${JSON.stringify(e.shape)}; allowed: non-negative integers`);
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (e.length !== count) throw fail(`${where}: length ${e.length} but shape [${e.shape.join(', ')}] holds ${count} values`);
    if (e.offset !== next) throw fail(`${where}: offset ${e.offset}; the previous tensors end at byte ${next} of the payload`);
    next += 4 * count;
    if (next > payloadLength) throw fail(`${where}: ends at byte ${next}, past the ${payloadLength}-byte payload`);
    const data = new Float32Array(count);
    const at = start + e.offset;
    for (let k = 0; k < count; k++) data[k] = view.getFloat32(at + 4 * k, true);
    return { name: e.name, shape: e.shape.slice(), data };
  });
  if (next !== payloadLength) throw fail(`the tensor table covers ${next} bytes of the ${payloadLength}-byte payload`);
  return tensors;
}

/** What a file that is not a bundle looks like, from its first bytes. */
function describeForeign(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'the file is empty';
  const head = ascii(bytes.subarray(0, 8));
  if (head === '\x89HDF\r\n\x1a\n') return 'it is an HDF5 file (a NIR graph? import it as NIR)';
  if (head === 'STBPCKP1') return 'it is a training checkpoint of this workbench, not a model';
  if (head.startsWith('PK\x03\x04')) return 'it is a ZIP archive (a PyTorch .pt file?)';
  if (head.startsWith('\x1f\x8b')) return 'it is gzip-compressed';
  if (head.startsWith('\x89PNG')) return 'it is a PNG image';
  if (/^\s*[[{]/.test(head)) return 'it is JSON text (a model spec? import it in the designer)';
  return `it starts with bytes ${Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}

function fail(why: string): EngineError {
  return new EngineError('bad-model-file', `model bundle is unreadable: ${why}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function ascii(b: Uint8Array): string {
  return String.fromCharCode(...b);
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320): the checksum of zlib, gzip and PNG. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
