/**
 * A damaged store, told in one line. SQLite reports a file whose pages are not what they should be
 * as SQLITE_CORRUPT (or SQLITE_NOTADB); a dataset chunk whose bytes no longer match their checksum
 * is the store's own finding. Either way the user gets one line saying what is damaged and what to
 * do, never a stack trace; the trace goes to a log file beside the store (`logFailure`).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EngineError } from '../../engine/errors';

/** Does `e` come from SQLite finding the file damaged? */
export function isStoreCorruption(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/** "the store is damaged: <path>: <what>; run `stbp doctor` …": the one line a user sees. */
export function storeDamaged(path: string, what: string): EngineError {
  return new EngineError(
    'store-damaged',
    `the store is damaged: ${path}: ${what}; run \`stbp doctor\` to see what is damaged and what can be saved, or restore a backup`,
  );
}

/** `e` as the user should see it: SQLite's corruption errors become `storeDamaged`, the rest pass unchanged. */
export function asStoreError(e: unknown, path: string): unknown {
  return isStoreCorruption(e) ? storeDamaged(path, (e as Error).message) : e;
}

/** The folder of the store's logs: `logs/` beside the store file. */
export function logFolder(storeFile: string): string {
  return join(dirname(storeFile), 'logs');
}

/**
 * Appends `error` with its stack to `logs/failures.log` beside the store and returns that file's
 * path, for a message to point at; undefined when there is no folder to write to (an in-memory
 * store, a read-only disk): the caller's one line must then stand alone.
 */
export function logFailure(storeFile: string, context: string, error: unknown): string | undefined {
  if (storeFile === ':memory:') return undefined;
  const file = join(logFolder(storeFile), 'failures.log');
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  try {
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, `${new Date().toISOString()} pid ${process.pid} ${context}\n${detail}\n\n`);
    return file;
  } catch {
    return undefined;
  }
}
