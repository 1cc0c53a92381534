import type { Dataset as H5Dataset, Group as H5Group } from 'h5wasm';
import { EngineError } from '../errors';
import { isGroup, nirError, type NirArray, type NirFields, type NirGraph, type NirNode } from './nir-graph';

/**
 * NIR graphs as HDF5 bytes, the layout `nir.serialization.write` (NIR 1.0) makes with h5py:
 *
 *   /version                      string
 *   /node/type                    "NIRGraph"
 *   /node/nodes/<name>/type       the node's class name
 *   /node/nodes/<name>/<field>    one dataset per field (subgroups for dict fields)
 *   /node/nodes/<name>/metadata/  only when not empty
 *   /node/edges                   (n, 2) strings: source, target
 *   /node/metadata/               only when not empty
 *
 * Strings are variable-length UTF-8 (h5py.string_dtype(); h5wasm marks them space-padded where
 * h5py says null-terminated, which no reader of variable-length strings looks at), Python ints
 * and shapes int64, weights float32. Datasets are written contiguous, without the gzip filter
 * recent nir versions ask h5py for: readers need no filter then, and gzip saves little on float
 * weights. Files are written with HDF5 1.8's formats (libver v108), readable by every h5py.
 *
 * h5wasm works on an in-memory file system: each call writes or reads one uniquely named file
 * there and removes it before returning. The library (~4 MB with its WebAssembly) loads on first
 * use, from the same ESM build in Node, Electron and browsers (it embeds its .wasm).
 */
type H5 = typeof import('h5wasm');

let loading: Promise<H5> | null = null;
let serial = 0;

function h5wasm(): Promise<H5> {
  loading ??= import('h5wasm').then(async (h5) => {
    await h5.ready;
    return h5;
  });
  return loading;
}

/** Runs `body` on a fresh file path of the in-memory file system, HDF5 errors thrown (not printed), the file removed after. */
async function withFile<T>(bytes: Uint8Array | null, body: (h5: H5, path: string) => T): Promise<T> {
  const h5 = await h5wasm();
  const fs = h5.FS!;
  const path = `/stbp-nir-${++serial}.h5`;
  h5.Module.activate_throwing_error_handler();
  try {
    if (bytes) fs.writeFile(path, bytes);
    return body(h5, path);
  } finally {
    h5.Module.deactivate_throwing_error_handler();
    if (fs.analyzePath(path).exists) fs.unlink(path);
  }
}

export async function encodeNir(graph: NirGraph): Promise<Uint8Array> {
  for (const name of Object.keys(graph.nodes)) {
    if (!name || name.includes('/') || name === '.') throw nirError(`graph: node name ${JSON.stringify(name)}; allowed: a non-empty name without "/" (it names an HDF5 group)`);
  }
  return withFile(null, (h5, path) => {
    const file = new h5.File(path, 'w', { libver: 'v108' });
    try {
      writeArray(file, 'version', { dtype: 'string', shape: [], data: [graph.version] });
      const root = file.create_group('node');
      writeArray(root, 'type', { dtype: 'string', shape: [], data: ['NIRGraph'] });
      const nodes = root.create_group('nodes');
      for (const [name, node] of Object.entries(graph.nodes)) writeNode(nodes.create_group(name), node);
      writeArray(root, 'edges', { dtype: 'string', shape: [graph.edges.length, 2], data: graph.edges.flat() });
      if (Object.keys(graph.metadata).length) writeFields(root.create_group('metadata'), graph.metadata);
    } catch (e) {
      throw new EngineError('bad-model', `NIR graph could not be written as HDF5: ${hdf5Reason(e)}`);
    } finally {
      file.close();
    }
    return h5.FS!.readFile(path).slice();
  });
}

function writeNode(g: H5Group, node: NirNode): void {
  writeArray(g, 'type', { dtype: 'string', shape: [], data: [node.type] });
  writeFields(g, node.fields);
  if (Object.keys(node.metadata).length) writeFields(g.create_group('metadata'), node.metadata);
}

function writeFields(g: H5Group, fields: NirFields): void {
  for (const [name, e] of Object.entries(fields)) {
    if (isGroup(e)) writeFields(g.create_group(name), e.members);
    else writeArray(g, name, e);
  }
}

const DTYPES = { float32: '<f', float64: '<d', int64: '<q', string: 'S' } as const;

function writeArray(g: H5Group, name: string, a: NirArray): void {
  g.create_dataset({ name, data: a.data as Float32Array | Float64Array | number[] | string[], shape: a.shape, dtype: DTYPES[a.dtype] });
}

/**
 * The graph in a NIR file. Refused, saying why: bytes that are not HDF5 (and what they look
 * like), a truncated file (its superblock's end-of-file address past the end), an HDF5 file without
 * NIR's `node` group or whose `node` is not a NIRGraph, and datasets of types NIR never writes.
 */
export async function decodeNir(bytes: Uint8Array): Promise<NirGraph> {
  checkHdf5(bytes);
  return withFile(bytes, (h5, path) => {
    let file: InstanceType<H5['File']>;
    try {
      file = new h5.File(path, 'r');
    } catch (e) {
      throw nirError(`file is unreadable as HDF5: ${hdf5Reason(e)}`);
    }
    try {
      return readGraph(file, (e) => (e instanceof h5.Group ? e : null), (e) => (e instanceof h5.Dataset ? e : null));
    } catch (e) {
      if (e instanceof EngineError) throw e;
      throw nirError(`file is damaged: ${hdf5Reason(e)}`);
    } finally {
      file.close();
    }
  });
}

type Entity = ReturnType<H5Group['get']>;
type As<T> = (e: Entity) => T | null;

/** Walks the file; `group` and `dataset` tell the library's entities apart (its classes load with it). */
function readGraph(file: H5Group, group: As<H5Group>, dataset: As<H5Dataset>): NirGraph {
  const text = (g: H5Group, name: string): string => {
    const d = dataset(g.get(name));
    const a = d ? readArray(d, name) : null;
    if (!a || a.dtype !== 'string' || a.data.length !== 1) throw nirError(`file: ${g.path === '/' ? '' : g.path}/${name} is missing or not a string`);
    return a.data[0]!;
  };
  const fields = (g: H5Group, path: string): NirFields => {
    const out: NirFields = {};
    for (const name of g.keys()) {
      const e = g.get(name);
      const sub = group(e);
      const d = dataset(e);
      if (sub) out[name] = { dtype: 'group', members: fields(sub, `${path}/${name}`) };
      else if (d) out[name] = readArray(d, `${path}/${name}`);
    }
    return out;
  };
  const root = group(file.keys().includes('node') ? file.get('node') : null);
  if (!root) {
    throw nirError(`file has no group "node" (it holds ${file.keys().map((k) => JSON.stringify(k)).join(', ') || 'nothing'}): an HDF5 file, but not a NIR graph`);
  }
  const type = text(root, 'type');
  if (type !== 'NIRGraph') throw nirError(`file: /node/type is ${JSON.stringify(type)}; allowed: "NIRGraph"`);
  const version = file.keys().includes('version') ? text(file, 'version') : '';
  const nodesGroup = group(root.keys().includes('nodes') ? root.get('nodes') : null);
  if (!nodesGroup) throw nirError('file: /node has no group "nodes"');
  const nodes: Record<string, NirNode> = {};
  for (const name of nodesGroup.keys()) {
    const n = group(nodesGroup.get(name));
    if (!n) throw nirError(`file: /node/nodes/${name} is not a group`);
    const { type: t, metadata, ...rest } = fields(n, `/node/nodes/${name}`);
    if (!t || isGroup(t) || t.dtype !== 'string') throw nirError(`file: /node/nodes/${name} has no string dataset "type"`);
    nodes[name] = { type: t.data[0]!, fields: rest, metadata: metadata && isGroup(metadata) ? metadata.members : {} };
  }
  const edges = dataset(root.keys().includes('edges') ? root.get('edges') : null);
  const meta = group(root.keys().includes('metadata') ? root.get('metadata') : null);
  return { version, nodes, edges: edges ? readEdges(edges) : [], metadata: meta ? fields(meta, '/node/metadata') : {} };
}

function readEdges(d: H5Dataset): [string, string][] {
  const e = readArray(d, '/node/edges');
  if (e.dtype !== 'string' || (e.data.length > 0 && (e.shape.length !== 2 || e.shape[1] !== 2))) {
    throw nirError(`file: /node/edges is ${e.dtype} of shape [${e.shape.join(', ')}]; allowed: (n, 2) strings (source, target)`);
  }
  const s = e.data as string[];
  return Array.from({ length: s.length / 2 }, (_, i): [string, string] => [s[2 * i]!, s[2 * i + 1]!]);
}

const CLASS = { integer: 0, float: 1, string: 3, enum: 8 };

function readArray(d: H5Dataset, path: string): NirArray {
  const meta = d.metadata;
  const shape = d.shape ?? [];
  const value = d.value;
  const list = (v: unknown): unknown[] => (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' ? [v] : Array.from(v as ArrayLike<unknown>));
  if (meta.type === CLASS.string) return { dtype: 'string', shape, data: list(value).map(String) };
  if (meta.type === CLASS.integer || meta.type === CLASS.enum) return { dtype: 'int64', shape, data: list(value).map(Number) };
  if (meta.type === CLASS.float) {
    const numbers = value instanceof Float32Array || value instanceof Float64Array ? value : list(value).map(Number);
    return meta.size === 4 ? { dtype: 'float32', shape, data: new Float32Array(numbers) } : { dtype: 'float64', shape, data: new Float64Array(numbers) };
  }
  throw nirError(`file: ${path} has HDF5 type class ${meta.type}; allowed: numbers and strings (what NIR writes)`);
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * HDF5's signature (at 0, or after a user block of 512·2^k bytes) and its superblock's end-of-file
 * address: a file shorter than that was cut. Checked here so the message says so, before HDF5
 * would fail with its own.
 */
function checkHdf5(bytes: Uint8Array): void {
  let base = -1;
  for (let at = 0; at + 8 <= bytes.length; at = at ? at * 2 : 512) {
    if (SIGNATURE.every((b, i) => bytes[at + i] === b)) {
      base = at;
      break;
    }
  }
  if (base < 0) throw nirError(`file is not HDF5: ${looksLike(bytes)}; allowed: a NIR graph (.nir, HDF5) as nir.write or snnTorch's export writes it`);
  // Superblock v0/v1: sizes at 13, base, free-space, EOF addresses from 24 (v1: 28); v2/v3: sizes at 9, addresses from 12.
  const version = bytes[base + 8]!;
  const size = bytes[base + (version >= 2 ? 9 : 13)]!;
  const eofAt = base + (version >= 2 ? 12 : version === 0 ? 24 : 28) + 2 * size;
  if (base + 14 > bytes.length || eofAt + size > bytes.length) throw nirError(`file is truncated: ${bytes.length} bytes, not even its HDF5 superblock`);
  if (![2, 4, 8].includes(size)) return; // unusual address sizes: HDF5 will judge
  let eof = 0;
  for (let i = size - 1; i >= 0; i--) eof = eof * 256 + bytes[eofAt + i]!;
  if (base + eof > bytes.length) throw nirError(`file is truncated: ${bytes.length} bytes, its HDF5 superblock says ${base + eof}`);
}

function looksLike(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'the file is empty';
  const head = String.fromCharCode(...bytes.subarray(0, 8));
  if (head === 'STBPMODL') return 'it is a model bundle of this workbench (.stbp)';
  if (head === 'STBPCKP1') return 'it is a training checkpoint of this workbench';
  if (head.startsWith('PK\x03\x04')) return 'it is a ZIP archive (a PyTorch .pt file?)';
  if (/^\s*[[{]/.test(head)) return 'it is JSON text';
  return `it starts with bytes ${Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}

function hdf5Reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  // HDF5's error stack: the innermost frame says what failed.
  const frames = lines.filter((l) => /^#\d+:/.test(l));
  return (frames[frames.length - 1] ?? lines[0] ?? text).replace(/^#\d+: \S+ line \d+ in /, '');
}
