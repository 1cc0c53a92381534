/**
 * The small conversions every repository needs between JS values and SQLite columns: JSON text,
 * blobs, timestamps, and argument checks whose errors read like the engine's
 * (`<where>: <field> is <value>; allowed: <what>`).
 */
import { EngineError } from '../../engine/errors';

/** A JSON object read back from a column. */
export type JsonObject = Record<string, unknown>;

/** Timestamps are ISO 8601 text in UTC: they sort as text and read without a parser. */
export function nowIso(): string {
  return new Date().toISOString();
}

function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.length})`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null || typeof value !== 'object') return String(value);
  return 'an object';
}

export function badOption(where: string, field: string, value: unknown, allowed: string): EngineError {
  return new EngineError('bad-option', `${where}: ${field} is ${shown(value)}; allowed: ${allowed}`);
}

export function checkInteger(where: string, field: string, value: unknown, min = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw badOption(where, field, value, `an integer >= ${min}`);
  }
  return value;
}

export function checkName(where: string, field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw badOption(where, field, value, 'a non-empty string');
  return value;
}

export function checkBytes(where: string, field: string, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw badOption(where, field, value, 'a Uint8Array');
  return value;
}

export function checkOneOf<T extends string>(where: string, field: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw badOption(where, field, value, allowed.join(', '));
  return value as T;
}

/**
 * JSON text for a column. Only objects and arrays are stored (a spec, hyper-parameters, meta,
 * metric values); NaN and ±Infinity become null, as JSON has no spelling for them.
 */
export function toJson(where: string, field: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = typeof value === 'object' && value !== null ? JSON.stringify(value) : undefined;
  } catch (cause) {
    throw badOption(where, field, value, `a JSON-serialisable object (${(cause as Error).message})`);
  }
  if (text === undefined) throw badOption(where, field, value, 'a JSON object or array');
  return text;
}

export function fromJson(text: string): unknown {
  return JSON.parse(text) as unknown;
}

/** better-sqlite3 binds Buffers as blobs; this views a Uint8Array as one without copying. */
export function toBlob(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Bytes read back, as a plain Uint8Array that owns its memory from offset 0 (a copy), so callers
 * may view it as wider typed arrays or transfer it to another thread.
 */
export function ownedBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** A blob read back as a Uint8Array view without copying: for bytes that are copied on anyway. */
export function viewBytes(blob: Buffer): Uint8Array {
  return new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
}
