import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore, type Store } from '../../../main/store/db';

/**
 * Temp folders and stores for one test file, kept for the whole file (imports are slow to
 * repeat) and removed after its last test.
 */
export function useFileTemps(): { tempDir(prefix: string): string; tempStore(home?: string): Store; keep(store: Store): Store } {
  const dirs: string[] = [];
  const stores: Store[] = [];
  afterAll(() => {
    for (const store of stores.splice(0)) store.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const tempDir = (prefix: string): string => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  const tempStore = (home = tempDir('stbp-services-')): Store => {
    const store = openStore({ home });
    stores.push(store);
    return store;
  };
  /** Close this store with the others after the file's tests. */
  const keep = (store: Store): Store => {
    stores.push(store);
    return store;
  };
  return { tempDir, tempStore, keep };
}

export function chunkCount(store: Store): number {
  return (store.db.prepare('select count(*) as n from dataset_chunks').get() as { n: number }).n;
}

/** Byte-equal, without Vitest's slow deep compare of large arrays. */
export const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
