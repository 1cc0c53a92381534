/**
 * Python source fragments from values: what the templates interpolate, so a number or a string
 * always reads back in Python as the value the workbench had.
 */

/** A JSON value as a Python literal (dicts, lists, True/False/None), indented like json.dumps(indent=4). */
export function pyLiteral(value: unknown, indent = 0): string {
  const pad = ' '.repeat(indent);
  const inner = ' '.repeat(indent + 4);
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'string') return JSON.stringify(value); // JSON escapes are Python escapes
  const flat = inline(value);
  if (flat.length + indent <= 96) return flat;
  if (Array.isArray(value)) {
    return `[\n${value.map((v) => `${inner}${pyLiteral(v, indent + 4)},`).join('\n')}\n${pad}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${pyLiteral(v, indent + 4)},`).join('\n')}\n${pad}}`;
}

/** The literal on one line. */
function inline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${inline(v)}`).join(', ')}}`;
  }
  return pyLiteral(value);
}

/** A number as Python reads it back exactly: integers stay integers, non-finite values are refused. */
export function pyNumber(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`pyNumber: ${x} has no Python literal; allowed: a finite number`);
  return String(x);
}

/** A float literal (1.0 rather than 1), for parameters that are floats in the math. */
export function pyFloat(x: number): string {
  const s = pyNumber(x);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** A tuple literal of integers, e.g. (1, 28, 28) or (784,). */
export function pyTuple(xs: readonly number[]): string {
  return xs.length === 1 ? `(${pyNumber(xs[0]!)},)` : `(${xs.map(pyNumber).join(', ')})`;
}
