import { EngineError } from '../errors';

/**
 * A NIR graph as a plain tree, mirroring the HDF5 file `nir.serialization.write` makes from
 * `graph.to_dict()` (NIR 1.0): a root `version` string, then group `node` holding `type =
 * "NIRGraph"`, one group per node under `nodes/` (its `type` and one dataset per dataclass field;
 * NIR 1.0's `to_dict` drops `input_type`/`output_type` except Flatten's `input_type`, and Input and
 * Output write their `shape`), `edges` as an (n, 2) array of strings, and a `metadata` group only
 * when non-empty. nir-hdf5.ts turns this tree into bytes and back; nir.ts maps it to our models.
 */
export interface NirGraph {
  /** The root `version` dataset: the NIR release whose layout the file follows. */
  version: string;
  nodes: Record<string, NirNode>;
  /** (source, target) node names. */
  edges: [string, string][];
  metadata: NirFields;
}

export interface NirNode {
  /** The NIR class name: 'Affine', 'LIF', 'Conv2d', … */
  type: string;
  /** Every dataset and subgroup of the node's group but `type` and `metadata`. */
  fields: NirFields;
  metadata: NirFields;
}

export type NirFields = Record<string, NirEntry>;
export type NirEntry = NirArray | NirGroup;

/**
 * One HDF5 dataset: numpy's dtype name, its shape ([] for a scalar) and its values in C order.
 * The writer emits what h5py writes for NIR's values (float32 weights, int64 for Python ints and
 * shapes, variable-length UTF-8 strings); the reader widens any other integer type to 'int64'
 * and any other float to 'float64'.
 */
export type NirArray =
  | { dtype: 'float32'; shape: number[]; data: Float32Array }
  | { dtype: 'float64'; shape: number[]; data: Float64Array }
  | { dtype: 'int64'; shape: number[]; data: number[] }
  | { dtype: 'string'; shape: number[]; data: string[] };

/** A subgroup (an older writer's `input_type/input`, a nested NIRGraph's `nodes`). */
export interface NirGroup {
  dtype: 'group';
  members: NirFields;
}

/** The NIR release whose serialisation layout nir-hdf5.ts writes (nir 1.0.x, the latest when written). */
export const NIR_VERSION = '1.0.8';

export const f32 = (data: Float32Array, shape: number[] = [data.length]): NirArray => ({ dtype: 'float32', shape, data });
export const f64 = (value: number): NirArray => ({ dtype: 'float64', shape: [], data: Float64Array.of(value) });
/** A Python int (a scalar) or a tuple of ints, as numpy stores them: int64. */
export const i64 = (value: number | number[]): NirArray =>
  typeof value === 'number' ? { dtype: 'int64', shape: [], data: [value] } : { dtype: 'int64', shape: [value.length], data: value.slice() };
export const str = (value: string): NirArray => ({ dtype: 'string', shape: [], data: [value] });

/** A row-major [rows, cols] matrix as [cols, rows]: ours [in, out] ↔ NIR's and PyTorch's (out, in). */
export function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = w[i * cols + j]!;
  return t;
}

/** A number from a file for a message: 7 significant digits, so float32 values read as they were written. */
export function num(v: number): string {
  return String(Number(v.toPrecision(7)));
}

export function isGroup(e: NirEntry): e is NirGroup {
  return e.dtype === 'group';
}

/**
 * Readers of a node's fields for the importer: each names the node, the field, what it holds and
 * what is allowed when the field is missing or of the wrong kind.
 */
export class NirFieldReader {
  constructor(readonly nodeName: string, private readonly node: NirNode) {}

  has(field: string): boolean {
    return field in this.node.fields;
  }

  array(field: string): NirArray {
    const e = this.node.fields[field];
    if (!e) throw this.fail(field, 'missing', `a dataset (the ${this.node.type} node's ${field})`);
    if (isGroup(e)) throw this.fail(field, 'a group', 'a dataset');
    return e;
  }

  /** A numeric dataset's values as float64 and its shape. */
  numbers(field: string): { shape: number[]; values: Float64Array } {
    const a = this.array(field);
    if (a.dtype === 'string') throw this.fail(field, `the string ${JSON.stringify(a.data[0])}`, 'numbers');
    return { shape: a.shape, values: Float64Array.from(a.data as ArrayLike<number>) };
  }

  /** A float tensor as float32 values (weights and biases; float64 data is rounded as PyTorch's Tensor() would). */
  floats(field: string): { shape: number[]; data: Float32Array } {
    const a = this.array(field);
    if (a.dtype !== 'float32' && a.dtype !== 'float64') throw this.fail(field, `of dtype ${a.dtype}`, 'a float32 or float64 array');
    return { shape: a.shape, data: a.dtype === 'float32' ? a.data : Float32Array.from(a.data) };
  }

  /** An int, or an array of ints all equal (stride (2, 2) → 2). */
  uniformInt(field: string, what: string): number {
    const { values } = this.numbers(field);
    const v = values[0];
    if (values.length === 0 || !values.every((x) => x === v) || !Number.isInteger(v)) {
      throw this.fail(field, `[${Array.from(values).join(', ')}]`, `one integer, or equal integers for every axis (${what})`);
    }
    return v!;
  }

  text(field: string): string {
    const a = this.array(field);
    if (a.dtype !== 'string' || a.data.length !== 1) throw this.fail(field, `of dtype ${a.dtype}, shape [${a.shape.join(', ')}]`, 'a string');
    return a.data[0]!;
  }

  fail(field: string, found: string, allowed: string): EngineError {
    return nirError(`graph: node ${JSON.stringify(this.nodeName)} (${this.node.type}): ${field} is ${found}; allowed: ${allowed}`);
  }
}

/** Every refusal of a NIR file or graph: the same code as a bad bundle, a message that says NIR. */
export function nirError(message: string): EngineError {
  return new EngineError('bad-model-file', `NIR ${message}`);
}
