import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultStoreHome, openStore, STORE_FILE_NAME } from '../../../main/store/db';
import { readImageSplit } from '../../../main/store/dataset-samples';
import { migrate, MIGRATIONS, SCHEMA_VERSION, userVersion } from '../../../main/store/migrations';
import { getRun } from '../../../main/store/runs';
import { listMetrics } from '../../../main/store/metrics';
import { countRows, sha256, useTempStores } from './temp-store';
import { engineError as thrown } from '../../helpers/errors';

const temp = useTempStores();

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map(
    (t) => t.name,
  );
}


/** A version-1 file, built by migration 1 alone, holding a dataset, a run and its metrics. */
function versionOneFile(file: string): void {
  const db = new Database(file);
  migrate(db, file, 1);
  const now = new Date().toISOString();
  db.prepare("INSERT INTO datasets (name, kind, source, meta, created_at) VALUES ('tiny', 'image', 'test', '{\"shape\":[2,2,1]}', ?)").run(now);
  db.prepare("INSERT INTO dataset_splits VALUES (1, 'train', 2), (1, 'test', 0)").run();
  db.prepare("INSERT INTO dataset_chunks VALUES (1, 'train', 0, 0, 2, ?, ?, NULL)").run(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), Buffer.from([0, 1]));
  db.prepare(
    `INSERT INTO runs (name, status, dataset_id, spec, hyper, seed, backend_requested, created_at)
     VALUES ('old run', 'completed', 1, '{"layers":[]}', '{"lr":0.001}', 7, 'auto', ?)`,
  ).run(now);
  db.prepare(`INSERT INTO metrics VALUES (1, 'batch', 0, 0, 1, '{"loss":0.5}'), (1, 'epoch', 0, 0, 1, '{"testAccuracy":0.9}')`).run();
  db.close();
}

describe('openStore', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('creates the folder and a store at the latest schema, with WAL and foreign keys on', () => {
    const home = join(temp.home(), 'nested', 'home');
    const store = temp.open({ home });
    expect(store.path).toBe(join(home, STORE_FILE_NAME));
    expect(existsSync(store.path)).toBe(true);
    expect(userVersion(store.db)).toBe(SCHEMA_VERSION);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(tables(store.db)).toEqual(['checkpoints', 'dataset_chunks', 'dataset_splits', 'datasets', 'exports', 'metrics', 'models', 'probes', 'queue_settings', 'run_queue', 'runs', 'specs', 'studies', 'study_cells']);
  });

  it('reopens an up-to-date store without changing its schema', () => {
    const home = temp.home();
    const first = openStore({ home });
    const schema = first.db.prepare('SELECT sql FROM sqlite_master ORDER BY name').all();
    first.close();
    const again = temp.open({ home });
    expect(userVersion(again.db)).toBe(SCHEMA_VERSION);
    expect(again.db.prepare('SELECT sql FROM sqlite_master ORDER BY name').all()).toEqual(schema);
    expect(migrate(again.db, again.path)).toBe(0);
  });

  it('puts the store in STBP_HOME, else in ~/.stbp-workbench', () => {
    const home = temp.home();
    vi.stubEnv('STBP_HOME', home);
    expect(defaultStoreHome()).toBe(home);
    const store = temp.open({ home: undefined });
    expect(store.path).toBe(join(home, STORE_FILE_NAME));
    vi.stubEnv('STBP_HOME', '');
    expect(defaultStoreHome()).toBe(join(homedir(), '.stbp-workbench'));
  });

  it('opens the given file instead of the home folder', () => {
    const file = join(temp.home(), 'elsewhere', 'my.sqlite');
    const store = temp.open({ file });
    expect(store.path).toBe(file);
    expect(existsSync(file)).toBe(true);
  });

  it('loads the addon from nativeBinding when given', () => {
    const addon = join(process.cwd(), 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    expect(userVersion(temp.open({ nativeBinding: addon }).db)).toBe(SCHEMA_VERSION);
    const missing = join(temp.home(), 'no-such-addon.node');
    expect(() => temp.open({ nativeBinding: missing })).toThrow(/no-such-addon/);
  });

  it('rolls a Store.transaction back when its function throws', () => {
    const store = temp.open();
    const insert = (): void => {
      store.db.prepare("INSERT INTO datasets (name, kind, source, meta, created_at) VALUES ('x', 'image', '', '{}', '')").run();
    };
    expect(() =>
      store.transaction(() => {
        insert();
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(countRows(store, 'datasets')).toBe(0);
    expect(store.transaction(() => (insert(), 'done'))).toBe('done');
    expect(countRows(store, 'datasets')).toBe(1);
  });
});

describe('migrations', () => {
  it('are numbered 1, 2, … with SCHEMA_VERSION the last', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    for (const m of MIGRATIONS) expect(m.name).not.toBe('');
  });

  it('bring a version-1 file with data up to date, keeping its rows', () => {
    const file = join(temp.home(), STORE_FILE_NAME);
    versionOneFile(file);
    const store = temp.open({ file });
    expect(userVersion(store.db)).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(8);
    const run = getRun(store, 1)!;
    expect(run).toMatchObject({ name: 'old run', status: 'completed', spec: { layers: [] }, hyper: { lr: 0.001 }, seed: 7, notes: '' });
    expect(listMetrics(store, 1, 'batch')).toEqual([{ epoch: 0, batch: 0, step: 1, values: { loss: 0.5 } }]);
    expect(listMetrics(store, 1, 'epoch')).toEqual([{ epoch: 0, batch: 0, step: 1, values: { testAccuracy: 0.9 } }]);
    expect(readImageSplit(store, 1, 'train')).toEqual({ count: 2, pixels: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), labels: new Uint8Array([0, 1]) });
    const indexes = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name IN ('metrics_step', 'runs_status')").all();
    expect(indexes).toHaveLength(2);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('roll a failing migration back, leaving the file at the version before it', () => {
    const file = join(temp.home(), STORE_FILE_NAME);
    versionOneFile(file);
    const db = new Database(file);
    db.exec("ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT ''"); // migration 2 will collide with it
    db.close();
    const error = thrown(() => openStore({ file }));
    expect(error.code).toBe('store-migration-failed');
    expect(error.message).toContain(file);
    expect(error.message).toContain('migration 2');
    expect(error.message).toContain('duplicate column name: notes');
    const after = new Database(file, { readonly: true });
    expect(userVersion(after)).toBe(1);
    expect(after.prepare("SELECT name FROM sqlite_master WHERE name = 'metrics_step'").all()).toEqual([]);
    expect(after.prepare('SELECT count(*) AS n FROM metrics').get()).toEqual({ n: 2 });
    after.close();
  });
});

describe('files openStore refuses, unchanged', () => {
  function newerFile(): string {
    const home = temp.home();
    openStore({ home }).close();
    const file = join(home, STORE_FILE_NAME);
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    return file;
  }

  it.each([false, true])('a file from a newer build (readonly %s): store-too-new', (readonly) => {
    const file = newerFile();
    const before = sha256(file);
    const listing = readdirSync(join(file, '..'));
    const error = thrown(() => openStore({ file, readonly }));
    expect(error.code).toBe('store-too-new');
    expect(error.message).toContain(file);
    expect(error.message).toContain(`schema version ${SCHEMA_VERSION + 1}`);
    expect(error.message).toContain(`supports up to ${SCHEMA_VERSION}`);
    expect(sha256(file)).toBe(before);
    expect(readdirSync(join(file, '..'))).toEqual(listing); // no -wal, no -shm
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('a file whose newer version is still only in its WAL (another connection open): store-too-new', () => {
    const home = temp.home();
    openStore({ home }).close();
    const file = join(home, STORE_FILE_NAME);
    const newer = new Database(file);
    newer.pragma('wal_autocheckpoint = 0'); // keep the bump in the -wal file, out of the header
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    try {
      expect(readFileSync(file).readUInt32BE(60)).toBe(SCHEMA_VERSION); // the header is stale
      expect(thrown(() => openStore({ file })).code).toBe('store-too-new');
    } finally {
      newer.close();
    }
  });

  it('a file that is not SQLite: store-not-sqlite', () => {
    const file = join(temp.home(), STORE_FILE_NAME);
    writeFileSync(file, 'P1\n'.repeat(100));
    const before = sha256(file);
    const error = thrown(() => openStore({ file }));
    expect(error.code).toBe('store-not-sqlite');
    expect(error.message).toContain(file);
    expect(sha256(file)).toBe(before);
  });

  it('a read-only open of an older file: store-too-old, telling to open it read-write once', () => {
    const file = join(temp.home(), STORE_FILE_NAME);
    versionOneFile(file);
    const before = sha256(file);
    const error = thrown(() => openStore({ file, readonly: true }));
    expect(error.code).toBe('store-too-old');
    expect(error.message).toContain('schema version 1');
    expect(error.message).toContain('open it read-write once');
    expect(sha256(file)).toBe(before);
  });

  it('a read-only open of a missing file: store-missing, creating nothing', () => {
    const home = join(temp.home(), 'absent');
    const error = thrown(() => openStore({ home, readonly: true }));
    expect(error.code).toBe('store-missing');
    expect(existsSync(home)).toBe(false);
  });
});

describe('read-only stores', () => {
  it('read what the writer commits and refuse to write', () => {
    const home = temp.home();
    const writer = temp.open({ home });
    const reader = temp.open({ home, readonly: true });
    writer.db.prepare("INSERT INTO datasets (name, kind, source, meta, created_at) VALUES ('seen', 'image', '', '{}', '')").run();
    expect(reader.db.prepare('SELECT name FROM datasets').all()).toEqual([{ name: 'seen' }]);
    expect(() => reader.db.prepare('DELETE FROM datasets').run()).toThrow(/readonly/);
    expect(reader.transaction(() => countRows(reader, 'datasets'))).toBe(1);
  });
});

describe('an empty file', () => {
  it('is refused, unchanged: a store is created whole, so an empty one was cut short', () => {
    const dir = temp.home();
    mkdirSync(join(dir, 'x'));
    const file = join(dir, 'x', STORE_FILE_NAME);
    writeFileSync(file, '');
    const error = thrown(() => openStore({ file }));
    expect(error.code).toBe('store-empty');
    expect(error.message).toContain(`store ${file} is an empty file (0 bytes)`);
    expect(readFileSync(file).length).toBe(0);
    expect(readdirSync(join(dir, 'x'))).toEqual([STORE_FILE_NAME]);
  });
});
