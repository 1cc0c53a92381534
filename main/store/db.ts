/**
 * The local store: one SQLite file (better-sqlite3, synchronous) holding datasets, runs and all
 * they produce. Main is its only writer; a training process may open it read-only. Repositories
 * (datasets.ts, runs.ts) are plain functions taking a `Store`.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readSync, rmSync, statSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { EngineError } from '../../engine/errors';
import { asStoreError, storeDamaged } from './damage';
import { migrate, SCHEMA_VERSION, storeTooNew, userVersion } from './migrations';

export const STORE_FILE_NAME = 'workbench.sqlite';
/** How long a statement waits for another connection's lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

export interface OpenStoreOptions {
  /** The folder holding `workbench.sqlite`; default `defaultStoreHome()`. Created if missing. */
  home?: string;
  /** The database file itself, overriding `home` (`:memory:` for a throw-away store). */
  file?: string;
  /** Open for reading only (e.g. from a training process): no migration, no write. */
  readonly?: boolean;
  /** Path of the better-sqlite3 addon to load, so Electron's and Node's builds can live apart. */
  nativeBinding?: string;
}

export class Store {
  constructor(
    readonly db: Database.Database,
    readonly path: string,
  ) {}

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Runs `fn` in one transaction (a savepoint when nested), committed when it returns and rolled
   * back when it throws. Writers take the write lock up front (BEGIN IMMEDIATE): a deferred
   * transaction that reads and then writes can fail with SQLITE_BUSY, which busy_timeout does not
   * retry, when another connection committed in between.
   */
  transaction<T>(fn: () => T): T {
    const tx = this.db.transaction(fn);
    return this.db.readonly ? tx.deferred() : tx.immediate();
  }
}

/** `STBP_HOME` when set, else `~/.stbp-workbench`. Electron passes its userData folder instead. */
export function defaultStoreHome(): string {
  const fromEnv = process.env.STBP_HOME;
  return fromEnv ? fromEnv : join(homedir(), '.stbp-workbench');
}

export function openStore(opts: OpenStoreOptions = {}): Store {
  const path = opts.file ?? join(opts.home ?? defaultStoreHome(), STORE_FILE_NAME);
  const readonly = opts.readonly ?? false;
  const memory = path === ':memory:';
  if (memory && readonly) {
    throw new EngineError('bad-option', 'openStore: readonly is true with file ":memory:"; allowed: a file path for a read-only store');
  }
  const found = memory ? { exists: false, version: 0 } : inspectStoreFile(path, opts.nativeBinding);
  if (found.version > SCHEMA_VERSION) throw storeTooNew(path, found.version);
  if (readonly) checkReadableAsIs(path, found);
  else if (!memory && !found.exists) createStoreFile(path, opts.nativeBinding);

  let db: Database.Database;
  try {
    db = new Database(path, { readonly, fileMustExist: readonly, timeout: BUSY_TIMEOUT_MS, nativeBinding: opts.nativeBinding });
  } catch (e) {
    throw namingStore(e, path);
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // WAL: readers (a training process, the UI) never block the writer, nor it them.
    if (!readonly) db.pragma('journal_mode = WAL');
    // NORMAL is durable against app crashes in WAL mode; a power cut may lose the last commits only.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    if (readonly) {
      // Re-checked through SQLite: the header read above may predate a concurrent migration.
      checkReadableAsIs(path, { exists: true, version: userVersion(db) });
    } else {
      migrate(db, path);
    }
  } catch (e) {
    db.close();
    throw namingStore(e, path);
  }
  return new Store(db, path);
}

/** SQLite's own errors name no file: say which store, and a damaged one in the one line of `storeDamaged`. */
function namingStore(e: unknown, path: string): unknown {
  const error = asStoreError(e, path);
  if (error instanceof EngineError) return error;
  return new EngineError('store-unusable', `store ${path} cannot be used: ${(e as Error).message}`);
}

/**
 * A new store is built under a temporary name and linked into place whole, so `path` never exists
 * half-made: an empty store file is then always damage (refused by `inspectStoreFile`), never a
 * store another process is still creating. Of two processes creating one at once, the first link
 * wins and the other opens it. Where hard links are unsupported, `openStore` creates it in place.
 */
function createStoreFile(path: string, nativeBinding: string | undefined): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.new-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const db = new Database(temp, { timeout: BUSY_TIMEOUT_MS, nativeBinding });
    try {
      db.pragma('journal_mode = WAL');
      migrate(db, path);
    } finally {
      db.close(); // checkpoints the WAL into the file and removes it
    }
    linkSync(temp, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw namingStore(e, path);
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${temp}${suffix}`, { force: true });
  }
}

function checkReadableAsIs(path: string, found: { exists: boolean; version: number }): void {
  if (!found.exists) {
    throw new EngineError('store-missing', `store ${path} does not exist; a read-only open needs an existing store: open it read-write once to create it`);
  }
  if (found.version > SCHEMA_VERSION) throw storeTooNew(path, found.version);
  if (found.version < SCHEMA_VERSION) {
    throw new EngineError(
      'store-too-old',
      `store ${path} has schema version ${found.version}; this build reads version ${SCHEMA_VERSION}: ` +
        'open it read-write once (start the app or the CLI) to migrate it, then read-only opens work',
    );
  }
}

const SQLITE_MAGIC = 'SQLite format 3\0';
const HEADER_BYTES = 100;
/** Offset of `user_version` in the database header: a big-endian u32. */
const USER_VERSION_OFFSET = 60;

/**
 * What an existing file says about itself, learnt without creating or changing anything: even a
 * read-only SQLite connection to a WAL-mode file creates its -wal and -shm files, so a file from a
 * newer build is judged by its header bytes. Only when a non-empty -wal exists (another
 * connection is open, or one crashed) can the header be stale; then SQLite reads the version
 * through the WAL, which already exists.
 */
export function inspectStoreFile(path: string, nativeBinding?: string): { exists: boolean; version: number } {
  let info: Stats;
  try {
    info = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false, version: 0 };
    throw new EngineError('store-unusable', `store ${path} cannot be examined: ${(e as Error).message}`);
  }
  if (!info.isFile()) {
    throw new EngineError(
      'store-not-a-file',
      `store ${path} is ${info.isDirectory() ? 'a folder' : 'not a regular file'}; allowed: the SQLite file of a store ` +
        '(point --home or STBP_HOME at the folder that holds workbench.sqlite); it was not changed',
    );
  }
  if (info.size === 0) {
    throw new EngineError(
      'store-empty',
      `store ${path} is an empty file (0 bytes): a store is created whole, so this one was cut short or emptied. ` +
        'Restore a backup, or move the file away to start a new store; it was not changed',
    );
  }
  const header = Buffer.alloc(HEADER_BYTES);
  const fd = openSync(path, 'r');
  let read: number;
  try {
    read = readSync(fd, header, 0, HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  if (read < HEADER_BYTES || header.toString('latin1', 0, SQLITE_MAGIC.length) !== SQLITE_MAGIC) {
    throw new EngineError(
      'store-not-sqlite',
      `store ${path} is not a SQLite database (its first bytes are not "SQLite format 3"); ` +
        'allowed: a store written by STBP Workbench. Move the file away or choose another store folder; it was not changed',
    );
  }
  const wal = `${path}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0) {
    const db = new Database(path, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS, nativeBinding });
    try {
      return { exists: true, version: userVersion(db) };
    } finally {
      db.close();
    }
  }
  checkFileSize(path, header, info.size);
  return { exists: true, version: header.readUInt32BE(USER_VERSION_OFFSET) };
}

/**
 * The header counts the file's pages (offset 28) when its "valid for" number (92) matches the
 * change counter (24); a file shorter than that count was cut short (a copy that stopped, a full
 * disk). Only checked without a WAL: a live WAL can hold pages the file has not received yet.
 */
function checkFileSize(path: string, header: Buffer, size: number): void {
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = header.readUInt32BE(28);
  if (header.readUInt32BE(92) !== header.readUInt32BE(24) || pages === 0) return;
  if (size >= pages * pageSize) return;
  throw storeDamaged(path, `the file is ${size} bytes but its header counts ${pages} pages of ${pageSize} bytes (${pages * pageSize} bytes): it was cut short`);
}
