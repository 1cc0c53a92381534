/**
 * A damaged store file: garbage in a dataset's pixels (caught by the chunk checksums), a wrecked
 * b-tree page (SQLite's SQLITE_CORRUPT), a file cut short, a folder where the file should be; each
 * told in one line that names the store and says what to do.
 */
import { mkdirSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { chunkChecksum } from '../../../main/store/chunk-checksum';
import { asStoreError, isStoreCorruption } from '../../../main/store/damage';
import { insertImageDataset } from '../../../main/store/datasets';
import { readImageSplit, readSample, readSampleRange } from '../../../main/store/dataset-samples';
import { openStore, STORE_FILE_NAME } from '../../../main/store/db';
import { migrate, SCHEMA_VERSION } from '../../../main/store/migrations';
import { engineError as thrown, expectEngineError } from '../../helpers/errors';
import { scribbleOver, wreckTable } from '../../helpers/corrupt-store';
import { sha256, useTempStores } from './temp-store';

const temp = useTempStores();

const DOCTOR = 'run `stbp doctor` to see what is damaged and what can be saved, or restore a backup';

/** 2500 images of 4 bytes in 3 chunks; every pixel of chunk c is 0x50 + c, so each chunk's bytes can be found in the file. */
function storeWithChunks(home: string): string {
  const store = openStore({ home });
  const pixels = new Uint8Array(2500 * 4);
  for (let i = 0; i < 2500; i++) pixels.fill(0x50 + Math.floor(i / 1000), 4 * i, 4 * i + 4);
  const labels = Uint8Array.from({ length: 2500 }, (_, i) => i % 10);
  insertImageDataset(store, { name: 'digits', source: 'test', meta: { shape: [2, 2, 1] }, sampleBytes: 4, train: { count: 2500, pixels, labels }, test: { count: 0, pixels: new Uint8Array(), labels: new Uint8Array() } });
  store.close(); // the WAL goes into the file
  return store.path;
}

describe('chunk checksums', () => {
  it('migration 6 gives every chunk stored before it the checksum of its bytes', () => {
    const file = join(temp.home(), STORE_FILE_NAME);
    const db = new Database(file);
    migrate(db, file, 5);
    db.prepare("INSERT INTO datasets (name, kind, source, meta, created_at) VALUES ('old', 'image', 'test', '{\"shape\":[2,2,1]}', '')").run();
    db.prepare("INSERT INTO dataset_splits VALUES (1, 'train', 3), (1, 'test', 0)").run();
    db.prepare("INSERT INTO dataset_chunks VALUES (1, 'train', 0, 0, 3, ?, ?, NULL)").run(Buffer.from('abcdefghijkl'), Buffer.from([0, 1, 2]));
    db.close();
    const store = temp.open({ file });
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const { checksum } = store.db.prepare('SELECT checksum FROM dataset_chunks').get() as { checksum: number };
    expect(checksum).toBe(chunkChecksum(Buffer.from('abcdefghijkl'), Buffer.from([0, 1, 2]), null));
    expect(readImageSplit(store, 1, 'train').pixels).toEqual(new Uint8Array(Buffer.from('abcdefghijkl')));
  });

  it('garbage written into a chunk in the file is found on read, naming dataset, split, chunk and samples', async () => {
    const file = storeWithChunks(temp.home());
    scribbleOver(file, Buffer.alloc(256, 0x51)); // inside chunk 1's pixels
    const store = temp.open({ file });
    const where = 'dataset "digits" train chunk 1 (samples 1000 to 1999)';
    const error = await expectEngineError(() => readImageSplit(store, 1, 'train'), 'store-damaged', `the store is damaged: ${file}: ${where} has checksum 0x`, 'they changed after the import', DOCTOR);
    expect(error.message).not.toContain('\n');
    await expectEngineError(() => readSample(store, 1, 'train', 1500), 'store-damaged', where);
    await expectEngineError(() => readSampleRange(store, 1, 'train', 990, 20), 'store-damaged', where);
    // The chunks around it are intact and still read.
    expect(readSample(store, 1, 'train', 10).data).toEqual(new Uint8Array(4).fill(0x50));
    expect(readSampleRange(store, 1, 'train', 2000, 3)).toHaveLength(3);
    expect(readImageSplit(store, 1, 'train', { limit: 1000 }).count).toBe(1000);
  });

  it('a missing chunk is refused, not read as zeros', async () => {
    const home = temp.home();
    const file = storeWithChunks(home);
    const db = new Database(file);
    db.prepare("DELETE FROM dataset_chunks WHERE chunk = 1").run();
    db.close();
    const store = temp.open({ file });
    await expectEngineError(() => readImageSplit(store, 1, 'train'), 'store-damaged', 'dataset "digits" train has 2500 samples but no chunk holds samples 1000 to 1999', DOCTOR);
    await expectEngineError(() => readSample(store, 1, 'train', 1999), 'store-damaged', 'no chunk holds samples 1999 to 1999');
  });
});

describe('a damaged page', () => {
  it("of dataset_chunks' b-tree: SQLite reports SQLITE_CORRUPT, which asStoreError words as one line", () => {
    const file = storeWithChunks(temp.home());
    expect(wreckTable(file, 'dataset_chunks').length).toBeGreaterThan(0);
    const store = temp.open({ file });
    let raw: unknown;
    try {
      readImageSplit(store, 1, 'train');
    } catch (e) {
      raw = e;
    }
    expect(isStoreCorruption(raw)).toBe(true);
    const error = asStoreError(raw, file) as Error;
    expect(error.message).toMatch(new RegExp(`^the store is damaged: ${file.replace(/[/.]/g, '\\$&')}: database disk image is malformed; ${DOCTOR.replace(/[`]/g, '.')}$`));
  });
});

describe('store files openStore refuses, unchanged, naming the path', () => {
  it('a file cut short (shorter than its header says)', () => {
    const file = storeWithChunks(temp.home());
    truncateSync(file, Math.floor(statSync(file).size / 2));
    const before = sha256(file);
    const error = thrown(() => openStore({ file }));
    expect(error.code).toBe('store-damaged');
    expect(error.message).toMatch(new RegExp(`^the store is damaged: ${file.replace(/[/.]/g, '\\$&')}: the file is \\d+ bytes but its header counts \\d+ pages of 4096 bytes \\(\\d+ bytes\\): it was cut short; run`));
    expect(sha256(file)).toBe(before);
  });

  it('a folder where the file should be (EISDIR)', () => {
    const home = temp.home();
    mkdirSync(join(home, STORE_FILE_NAME));
    const error = thrown(() => openStore({ home }));
    expect(error.code).toBe('store-not-a-file');
    expect(error.message).toContain(`store ${join(home, STORE_FILE_NAME)} is a folder; allowed: the SQLite file of a store`);
    expect(readdirSync(join(home, STORE_FILE_NAME))).toEqual([]);
  });

  it('creates a new store whole, leaving no temporary file behind', () => {
    const home = temp.home();
    temp.open({ home }).close();
    expect(readdirSync(home).filter((name) => !name.startsWith(`${STORE_FILE_NAME}-`))).toEqual([STORE_FILE_NAME]);
  });
});
