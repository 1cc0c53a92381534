/**
 * Reading what can still be read of a damaged SQLite file, row by row. A damaged page stops a
 * plain scan where it sits; the rows beyond it are often intact, on pages reached through intact
 * interior pages. So a rowid table is scanned, and past a page that cannot be read the scan
 * resumes at the first rowid a fresh descent of the tree can reach (found by probing ever further
 * ahead, then bisecting back): only the rows of the damaged page are lost, and the range is told.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { isStoreCorruption } from '../store/damage';

type Db = BetterSqlite3.Database;
export type Row = Record<string, unknown>;

/** Rows a scan could not read: which table, which rows, and SQLite's reason. */
export interface Loss {
  table: string;
  rows: string;
  reason: string;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Every readable row of the rowid table `table` (all columns, plus `rowid_`), in rowid order, to
 * `onRow`; returns the ranges lost. Errors other than SQLite finding the file damaged propagate.
 */
export function scanByRowid(db: Db, table: string, onRow: (row: Row) => void): Loss[] {
  const losses: Loss[] = [];
  const list = db.prepare(`SELECT rowid AS rowid_, * FROM "${table}" WHERE rowid > ? ORDER BY rowid`);
  let after = Number.MIN_SAFE_INTEGER;
  for (;;) {
    try {
      for (const row of list.iterate(after) as IterableIterator<Row>) {
        after = row.rowid_ as number;
        onRow(row);
      }
      return losses;
    } catch (e) {
      if (!isStoreCorruption(e)) throw e;
      const resume = firstReadableAfter(db, table, after);
      const from = after === Number.MIN_SAFE_INTEGER ? 'the first' : `rowid ${after + 1}`;
      losses.push({ table, rows: resume === undefined ? `rows from ${from} on` : `rows from ${from} to rowid ${resume - 1}`, reason: message(e) });
      if (resume === undefined) return losses;
      after = resume - 1;
    }
  }
}

/**
 * The first rowid above `after` that a scan can reach, or undefined when no readable row lies
 * above: probe starts at after + 1, 2, 4, … until one reads, then bisect to the lowest such start.
 */
function firstReadableAfter(db: Db, table: string, after: number): number | undefined {
  const probe = db.prepare(`SELECT rowid FROM "${table}" WHERE rowid > ? ORDER BY rowid LIMIT 1`).pluck();
  const attempt = (start: number): { ok: true; first: number | undefined } | { ok: false } => {
    try {
      return { ok: true, first: probe.get(start) as number | undefined };
    } catch (e) {
      if (!isStoreCorruption(e)) throw e;
      return { ok: false };
    }
  };
  let failing = after;
  let reading: number | undefined;
  for (let step = 1; reading === undefined; step *= 2) {
    const start = after + step;
    if (start >= Number.MAX_SAFE_INTEGER) return undefined;
    if (attempt(start).ok) reading = start;
    else failing = start;
  }
  while (reading - failing > 1) {
    const mid = Math.floor((failing + reading) / 2);
    if (attempt(mid).ok) reading = mid;
    else failing = mid;
  }
  const found = attempt(reading);
  return found.ok ? found.first : undefined;
}

/**
 * The rows of one query (e.g. one run's metrics, in key order) to `onRow` until the end or the
 * first page that cannot be read; returns that loss, naming the last row read by `describe`.
 */
export function scanQuery(db: Db, table: string, sql: string, params: unknown[], onRow: (row: Row) => void, describe: (row: Row) => string): Loss[] {
  let last: Row | undefined;
  try {
    for (const row of db.prepare(sql).iterate(...params) as IterableIterator<Row>) {
      last = row;
      onRow(row);
    }
    return [];
  } catch (e) {
    if (!isStoreCorruption(e)) throw e;
    return [{ table, rows: last === undefined ? 'all its rows' : `the rows after ${describe(last)}`, reason: message(e) }];
  }
}
