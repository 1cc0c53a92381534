/**
 * Small composable checks for values arriving from outside (a renderer over IPC, a browser over a
 * WebSocket). A check returns the value, typed, or throws `bad-request` with a message that names
 * the method, the argument path, the bad value and what is allowed:
 * `getSamples: request.count is 500; allowed: an integer from 1 to 200`.
 */
import { badRequest } from './errors';

export type Check<T> = (value: unknown, path: string, method: string) => T;

/** A field that may be absent (`undefined`). JSON has no undefined, so absent means not there. */
export interface Optional<T> {
  optional: Check<T>;
}

export const optional = <T>(check: Check<T>): Optional<T> => ({ optional: check });

export function shown(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

export function refuse(method: string, path: string, value: unknown, allowed: string): never {
  throw badRequest(`${method}: ${path} is ${shown(value)}; allowed: ${allowed}`);
}

export const integer = (min: number, max = Number.MAX_SAFE_INTEGER): Check<number> => (v, path, method) => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    refuse(method, path, v, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`);
  }
  return v;
};

/** A finite number above `above` (exclusive). */
export const positive = (above = 0): Check<number> => (v, path, method) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || !(v > above)) refuse(method, path, v, `a finite number > ${above}`);
  return v;
};

export const text = (opts: { max?: number; trimmed?: boolean } = {}): Check<string> => (v, path, method) => {
  const max = opts.max ?? 4096;
  if (typeof v !== 'string' || v.trim() === '' || v.length > max) refuse(method, path, v, `a non-empty string of at most ${max} characters`);
  if (opts.trimmed && v !== v.trim()) refuse(method, path, v, 'a string without leading or trailing spaces');
  return v;
};

export const oneOf = <T extends string>(values: readonly T[]): Check<T> => (v, path, method) => {
  if (typeof v !== 'string' || !values.includes(v as T)) refuse(method, path, v, `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
  return v as T;
};

export const boolean: Check<boolean> = (v, path, method) => {
  if (typeof v !== 'boolean') refuse(method, path, v, 'true or false');
  return v;
};

export const finite: Check<number> = (v, path, method) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) refuse(method, path, v, 'a finite number');
  return v;
};

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** How deep a free-form object may nest, and how many values it may hold in all (see `anyObject`). */
export const MAX_JSON_DEPTH = 32;
export const MAX_JSON_VALUES = 100_000;

/**
 * Any JSON object (its fields are someone else's to check, e.g. a format's options, a layer's
 * config), within `MAX_JSON_DEPTH` levels and `MAX_JSON_VALUES` values: nothing the engine reads
 * comes near either, and past them a value is refused here, named, instead of failing deep in the
 * store (SQLite's JSON functions stop at 1000 levels) or the stack.
 */
export const anyObject: Check<Record<string, unknown>> = (v, path, method) => {
  if (!isPlainObject(v)) refuse(method, path, v, 'an object');
  checkJsonBounds(v, path, method);
  return v;
};

/** Walks `root` breadth-first without recursion, so a value 100,000 levels deep cannot overflow the stack. */
function checkJsonBounds(root: object, path: string, method: string): void {
  let level: unknown[] = [root];
  let values = 1;
  for (let depth = 1; level.length > 0; depth++) {
    if (depth > MAX_JSON_DEPTH) {
      throw badRequest(`${method}: ${path} nests deeper than ${MAX_JSON_DEPTH} levels; allowed: objects and arrays at most ${MAX_JSON_DEPTH} levels deep`);
    }
    const next: unknown[] = [];
    for (const value of level) {
      if (typeof value !== 'object' || value === null) continue;
      for (const child of Object.values(value)) {
        values++;
        if (typeof child === 'object' && child !== null) next.push(child);
      }
    }
    if (values > MAX_JSON_VALUES) {
      throw badRequest(`${method}: ${path} holds more than ${MAX_JSON_VALUES} values; allowed: at most ${MAX_JSON_VALUES} values in all`);
    }
    level = next;
  }
}

export const arrayOf = <T>(item: Check<T>, opts: { min?: number; max?: number } = {}): Check<T[]> => (v, path, method) => {
  const { min = 0, max = 10_000 } = opts;
  if (!Array.isArray(v) || v.length < min || v.length > max) refuse(method, path, v, `an array of ${min} to ${max} items`);
  return v.map((x, i) => item(x, `${path}[${i}]`, method));
};

type Fields = Record<string, Check<unknown> | Optional<unknown>>;
type FieldValue<F> = F extends Optional<infer T> ? T | undefined : F extends Check<infer T> ? T : never;

/** An object with exactly these fields: required ones present, optional ones absent or valid, no others. */
export const object = <F extends Fields>(fields: F): Check<{ [K in keyof F]: FieldValue<F[K]> }> => (v, path, method) => {
  if (!isPlainObject(v)) refuse(method, path, v, `an object with ${Object.keys(fields).join(', ')}`);
  const unknown = Object.keys(v).filter((k) => !(k in fields));
  if (unknown.length) {
    throw badRequest(`${method}: ${path} has unknown field(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}; allowed: ${Object.keys(fields).join(', ')}`);
  }
  for (const [key, field] of Object.entries(fields)) {
    const value = v[key];
    if ('optional' in field) {
      if (value !== undefined) field.optional(value, `${path}.${key}`, method);
    } else {
      field(value, `${path}.${key}`, method);
    }
  }
  return v as { [K in keyof F]: FieldValue<F[K]> };
};

/** One of several object shapes, told apart by the string field `key`. */
export const tagged = <T>(key: string, shapes: Record<string, Check<unknown>>): Check<T> => (v, path, method) => {
  if (!isPlainObject(v)) refuse(method, path, v, `an object with ${key}: ${Object.keys(shapes).join(' or ')}`);
  const tag = v[key];
  const shape = typeof tag === 'string' && Object.hasOwn(shapes, tag) ? shapes[tag] : undefined;
  if (!shape) refuse(method, `${path}.${key}`, tag, `one of ${Object.keys(shapes).map((k) => JSON.stringify(k)).join(', ')}`);
  return shape(v, path, method) as T;
};
