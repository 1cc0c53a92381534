/**
 * The local store: one SQLite file (better-sqlite3, synchronous) holding datasets, runs and all
 * they produce. Main is its only writer; a training process may open it read-only. Repositories
 * (datasets.ts, runs.ts) are plain functions taking a `Store`.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { EngineError } from '../../engine/errors';
import { migrate, SCHEMA_VERSION, storeTooNew, userVersion } from './migrations';

export { recoverInterruptedRuns } from './runs';

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
  else if (!memory) mkdirSync(dirname(path), { recursive: true });

  const db = new Database(path, {
    readonly,
    fileMustExist: readonly,
    timeout: BUSY_TIMEOUT_MS,
    nativeBinding: opts.nativeBinding,
  });
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
    throw e;
  }
  return new Store(db, path);
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
function inspectStoreFile(path: string, nativeBinding: string | undefined): { exists: boolean; version: number } {
  if (!existsSync(path)) return { exists: false, version: 0 };
  const header = Buffer.alloc(HEADER_BYTES);
  const fd = openSync(path, 'r');
  let read: number;
  try {
    read = readSync(fd, header, 0, HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  if (read === 0) return { exists: true, version: 0 }; // SQLite treats an empty file as a new database
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
  return { exists: true, version: header.readUInt32BE(USER_VERSION_OFFSET) };
}
