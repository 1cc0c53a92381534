import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openStore, type OpenStoreOptions, type Store } from '../../../main/store/db';

/**
 * Temp folders and stores for one test file: every store opened through it is closed, and every
 * folder removed, after each test.
 */
export function useTempStores(): { home(): string; open(opts?: OpenStoreOptions): Store } {
  const homes: string[] = [];
  const stores: Store[] = [];
  afterEach(() => {
    for (const store of stores.splice(0)) store.close();
    for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
  });
  const home = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'stbp-store-'));
    homes.push(dir);
    return dir;
  };
  return {
    home,
    open(opts = {}) {
      const store = openStore({ home: opts.file ? undefined : home(), ...opts });
      stores.push(store);
      return store;
    },
  };
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Rows in a table, for checking what a delete or a failed write left behind. */
export function countRows(store: Store, table: string): number {
  return (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}
