/**
 * The store's schema, as numbered migrations. `PRAGMA user_version` holds the number of the last
 * one applied; each runs in its own transaction together with the bump of that number, so a
 * failure leaves the file exactly at the previous version. Add a migration by appending an entry;
 * never edit one that has shipped: files in the wild were built by it.
 *
 * Tables are STRICT, so a column holds only its declared type (a fractional epoch or a string seed
 * is refused by SQLite itself), and the CHECKs restate the invariants the repositories keep.
 * `foreign_keys` is ON while migrations run: a future migration that rebuilds a table must copy
 * rows in an order that satisfies the references, or be split around a `PRAGMA foreign_keys`.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { EngineError } from '../../engine/errors';
import { chunkChecksum } from './chunk-checksum';

type Database = BetterSqlite3.Database;

export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

export const RUN_STATUSES = ['created', 'running', 'paused', 'stopped', 'completed', 'failed', 'interrupted'] as const;

const quoted = (names: readonly string[]): string => names.map((n) => `'${n}'`).join(', ');

const SCHEMA_V1 = `
-- Ids of datasets and runs are shown to people ("run 12"), so AUTOINCREMENT: never reused after a delete.
CREATE TABLE datasets (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
  kind TEXT NOT NULL CHECK (kind IN ('image', 'events')),
  source TEXT NOT NULL,
  meta TEXT NOT NULL CHECK (json_valid(meta)),
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE dataset_splits (
  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  split TEXT NOT NULL CHECK (split IN ('train', 'test')),
  count INTEGER NOT NULL CHECK (count >= 0),
  PRIMARY KEY (dataset_id, split)
) STRICT, WITHOUT ROWID;

-- Samples in chunks: one row per ~1000 samples keeps rows few and blobs a few MB at most.
CREATE TABLE dataset_chunks (
  dataset_id INTEGER NOT NULL,
  split TEXT NOT NULL,
  chunk INTEGER NOT NULL CHECK (chunk >= 0),
  first INTEGER NOT NULL CHECK (first >= 0),
  count INTEGER NOT NULL CHECK (count > 0),
  data BLOB NOT NULL,
  labels BLOB NOT NULL CHECK (length(labels) = count),
  lengths BLOB CHECK (lengths IS NULL OR length(lengths) = 4 * count),
  PRIMARY KEY (dataset_id, split, chunk),
  FOREIGN KEY (dataset_id, split) REFERENCES dataset_splits(dataset_id, split) ON DELETE CASCADE
) STRICT;

CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN (${quoted(RUN_STATUSES)})),
  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE RESTRICT,
  spec TEXT NOT NULL CHECK (json_valid(spec)),
  hyper TEXT NOT NULL CHECK (json_valid(hyper)),
  seed INTEGER NOT NULL,
  backend_requested TEXT NOT NULL,
  backend_used TEXT,
  error TEXT,
  created_at TEXT NOT NULL,
  started_at TEXT,
  ended_at TEXT,
  parent_run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL
) STRICT;
-- Foreign-key columns are indexed so deleting a parent row finds its children without a scan.
CREATE INDEX runs_dataset ON runs(dataset_id);
CREATE INDEX runs_parent ON runs(parent_run_id);

CREATE TABLE metrics (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  scope TEXT NOT NULL CHECK (scope IN ('batch', 'epoch')),
  epoch INTEGER NOT NULL CHECK (epoch >= 0),
  batch INTEGER NOT NULL CHECK (batch >= 0),
  step INTEGER NOT NULL CHECK (step >= 0),
  "values" TEXT NOT NULL CHECK (json_valid("values")),
  PRIMARY KEY (run_id, scope, epoch, batch)
) STRICT, WITHOUT ROWID;

CREATE TABLE probes (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL CHECK (epoch >= 0),
  kind TEXT NOT NULL CHECK (kind IN ('raster', 'membrane', 'rates', 'confusion')),
  layer INTEGER,
  sample INTEGER,
  data BLOB NOT NULL,
  meta TEXT NOT NULL CHECK (json_valid(meta)),
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX probes_run ON probes(run_id, kind, epoch);

CREATE TABLE checkpoints (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL CHECK (epoch >= 0),
  batch INTEGER NOT NULL CHECK (batch >= 0),
  reason TEXT NOT NULL CHECK (reason IN ('epoch', 'pause', 'stop')),
  state BLOB NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX checkpoints_run ON checkpoints(run_id, id);

CREATE TABLE exports (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  format TEXT NOT NULL,
  path TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX exports_run ON exports(run_id);
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', up: (db) => db.exec(SCHEMA_V1) },
  {
    version: 2,
    name: 'run notes; metrics by step; runs by status',
    up: (db) =>
      db.exec(`
        CREATE INDEX metrics_step ON metrics(run_id, scope, step);
        CREATE INDEX runs_status ON runs(status);
        ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';
      `),
  },
  {
    version: 3,
    name: 'runs record the process that supervises them',
    // Start-up recovery must not mark a run interrupted while another live process (a CLI in
    // another terminal, the app) is still training it.
    up: (db) => db.exec('ALTER TABLE runs ADD COLUMN owner_pid INTEGER NULL;'),
  },
  {
    version: 4,
    name: 'saved model specs',
    // The designer's networks, by name; a run copies its spec, so deleting one never touches a run.
    up: (db) =>
      db.exec(`
        CREATE TABLE specs (
          name TEXT PRIMARY KEY CHECK (length(trim(name)) > 0),
          spec TEXT NOT NULL CHECK (json_valid(spec)),
          updated_at TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
      `),
  },
  {
    version: 5,
    name: 'models; the best checkpoint of a run is kept',
    // A model is a run's weights frozen with their provenance (engine/export/model.ts), stored as
    // its bundle bytes so export, import and inference read one format. `description` repeats the
    // bundle's header for listing without decoding. The checkpoint of a run's best test accuracy
    // is flagged so pruning keeps it when newer ones arrive.
    up: (db) =>
      db.exec(`
        CREATE TABLE models (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          name TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
          origin TEXT NOT NULL CHECK (origin IN ('trained', 'bundle', 'nir')),
          run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
          epoch INTEGER CHECK (epoch IS NULL OR epoch >= 0),
          test_accuracy REAL CHECK (test_accuracy IS NULL OR (test_accuracy >= 0 AND test_accuracy <= 1)),
          description TEXT NOT NULL CHECK (json_valid(description)),
          bundle BLOB NOT NULL,
          created_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX models_run ON models(run_id);
        ALTER TABLE checkpoints ADD COLUMN best INTEGER NOT NULL DEFAULT 0 CHECK (best IN (0, 1));
        ALTER TABLE checkpoints ADD COLUMN test_accuracy REAL;
      `),
  },
  {
    version: 6,
    name: 'dataset chunks carry a checksum',
    // SQLite checks its pages' structure, not a blob's bytes: garbage in a chunk's pixels would be
    // trained on. Every chunk gets the CRC-32 of its columns (chunk-checksum.ts), computed here for
    // the chunks already stored, and every read checks it.
    up: (db) => {
      db.exec('ALTER TABLE dataset_chunks ADD COLUMN checksum INTEGER CHECK (checksum IS NULL OR checksum BETWEEN 0 AND 4294967295)');
      // One chunk at a time (a store may hold gigabytes of them); rowids first, since better-sqlite3
      // runs no other statement while an iteration is open.
      const rowids = db.prepare('SELECT rowid FROM dataset_chunks ORDER BY rowid').pluck().all() as number[];
      const read = db.prepare('SELECT data, labels, lengths FROM dataset_chunks WHERE rowid = ?');
      const write = db.prepare('UPDATE dataset_chunks SET checksum = ? WHERE rowid = ?');
      for (const rowid of rowids) {
        const c = read.get(rowid) as { data: Buffer; labels: Buffer; lengths: Buffer | null };
        write.run(chunkChecksum(c.data, c.labels, c.lengths), rowid);
      }
    },
  },
  {
    version: 7,
    name: 'studies, their cells, and the run queue',
    // A study keeps its file as given (definition) and one row per cell pointing at the cell's run,
    // a normal run. The queue orders the runs still to train; its one settings row says how many
    // train at once (NULL: one per two cores), whether it is paused, and which process starts them
    // (runner_pid), so two processes never run one queue. A deleted run leaves the queue
    // (CASCADE) and leaves its cell without a run (SET NULL).
    up: (db) =>
      db.exec(`
        CREATE TABLE studies (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          name TEXT NOT NULL CHECK (length(trim(name)) > 0),
          definition TEXT NOT NULL CHECK (json_valid(definition)),
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        ) STRICT;
        CREATE TABLE study_cells (
          study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
          cell INTEGER NOT NULL CHECK (cell >= 0),
          setting TEXT NOT NULL CHECK (json_valid(setting)),
          seed INTEGER NOT NULL,
          run_id INTEGER UNIQUE REFERENCES runs(id) ON DELETE SET NULL,
          PRIMARY KEY (study_id, cell)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE run_queue (
          run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
          position INTEGER NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
          queued_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX run_queue_order ON run_queue(position, run_id);
        CREATE TABLE queue_settings (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          parallel INTEGER CHECK (parallel IS NULL OR parallel >= 1),
          paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
          runner_pid INTEGER
        ) STRICT;
        INSERT INTO queue_settings (id) VALUES (1);
      `),
  },
  {
    version: 8,
    name: 'datasets stored in slices',
    // A big dataset (an N-MNIST import, an emulated MNIST: a gigabyte or more) is written in many
    // short transactions so the app's main thread keeps serving between them. Until its last chunk
    // is in, its row names the writing process (importing_pid) and no reader sees it; a row whose
    // writer died is removed by the next dataset write.
    up: (db) => db.exec('ALTER TABLE datasets ADD COLUMN importing_pid INTEGER CHECK (importing_pid IS NULL OR importing_pid > 0)'),
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function storeTooNew(file: string, version: number): EngineError {
  return new EngineError(
    'store-too-new',
    `store ${file} has schema version ${version}; this build supports up to ${SCHEMA_VERSION}: ` +
      'it was written by a newer STBP Workbench. Update the app, or use another store folder (STBP_HOME); the file was not changed',
  );
}

/**
 * Brings `db` up to `target` (default: the latest), one transaction per migration. `BEGIN
 * IMMEDIATE` plus a re-read of the version inside it makes two processes opening the same old
 * file at once safe: the second finds the work done. Returns how many migrations ran.
 */
export function migrate(db: Database, file: string, target: number = SCHEMA_VERSION): number {
  let applied = 0;
  for (const migration of MIGRATIONS) {
    if (migration.version > target) break;
    const apply = db.transaction((): boolean => {
      const current = userVersion(db);
      if (current > SCHEMA_VERSION) throw storeTooNew(file, current);
      if (current >= migration.version) return false;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
      return true;
    });
    try {
      if (apply.immediate()) applied++;
    } catch (cause) {
      if (cause instanceof EngineError) throw cause;
      throw new EngineError(
        'store-migration-failed',
        `store ${file}: migration ${migration.version} (${migration.name}) failed and was rolled back; ` +
          `the file stays at schema version ${migration.version - 1}: ${(cause as Error).message}`,
      );
    }
  }
  return applied;
}
