/**
 * Damage done to a real store file, as a failing disk or a stray write would: bytes overwritten in
 * the middle of the file, at a page found through SQLite's own page map (dbstat) or at a pattern
 * known to sit inside a blob. The store must be closed first, so its WAL is in the file.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';

export function overwrite(file: string, offset: number, bytes: Uint8Array): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

/** The pages of `table` (its b-tree and overflow pages), by type, and the page size. */
export function pagesOf(file: string, table: string): { pageSize: number; pages: { pageno: number; pagetype: string }[] } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pages = db.prepare('SELECT pageno, pagetype FROM dbstat WHERE name = ? ORDER BY pageno').all(table) as { pageno: number; pagetype: string }[];
    return { pageSize, pages };
  } finally {
    db.close();
  }
}

/** Wrecks the header of every b-tree page (not overflow) of `table`: SQLite then reports SQLITE_CORRUPT on reading it. */
export function wreckTable(file: string, table: string): number[] {
  const { pageSize, pages } = pagesOf(file, table);
  const wrecked = pages.filter((p) => p.pagetype !== 'overflow').map((p) => p.pageno);
  for (const pageno of wrecked) overwrite(file, (pageno - 1) * pageSize, Buffer.alloc(16, 0xff));
  return wrecked;
}

/**
 * Overwrites `length` bytes in the middle of every place `pattern` occurs in the file: the live
 * blob, and any stale copy SQLite left in a page's free space (it does not zero freed space).
 * Returns how many places were hit.
 */
export function scribbleOver(file: string, pattern: Uint8Array, length = 8): number {
  const bytes = readFileSync(file);
  let hits = 0;
  for (let at = bytes.indexOf(pattern); at >= 0; at = bytes.indexOf(pattern, at + pattern.length)) {
    overwrite(file, at + Math.floor(pattern.length / 2), Buffer.alloc(length, 0x00));
    hits++;
  }
  if (hits === 0) throw new Error(`scribbleOver: the pattern is not in ${file}`);
  return hits;
}
