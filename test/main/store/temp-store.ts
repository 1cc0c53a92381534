import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { insertImageDataset } from '../../../main/store/datasets';
import { openStore, type OpenStoreOptions, type Store } from '../../../main/store/db';
import { createRun } from '../../../main/store/runs';

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

export const SPEC = { input: [28, 28, 1], layers: [{ className: 'Dense', config: { units: 10 } }] };
export const HYPER = { epochs: 2, batch: 100, lr: 0.001, optimizer: 'adam', T: 30 };

/** The store with one tiny image dataset (id 1) to run on. */
export function storeWithDataset(store: Store): Store {
  const split = (count: number) => ({ count, pixels: new Uint8Array(4 * count).fill(7), labels: new Uint8Array(count) });
  insertImageDataset(store, { name: 'tiny', source: 'test', meta: { shape: [2, 2, 1] }, sampleBytes: 4, train: split(3), test: split(1) });
  return store;
}

/** A run (status created) on dataset 1. */
export function newRun(store: Store, name?: string): number {
  return createRun(store, { ...(name !== undefined && { name }), datasetId: 1, spec: SPEC, hyper: HYPER, seed: 42, backendRequested: 'auto' });
}
