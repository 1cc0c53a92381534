import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { scanByRowid, scanQuery, type Row } from '../../../main/services/doctor-scan';
import { overwrite, pagesOf } from '../../helpers/corrupt-store';
import { useFileTemps } from './temp';

const { tempDir } = useFileTemps();

/** 2000 rows of 300 bytes (about 13 per 4 KiB leaf page) in a rowid table, then one leaf in the middle wrecked. */
function fileWithWreckedLeaf(): string {
  const file = join(tempDir('stbp-scan-'), 'scan.sqlite');
  const db = new Database(file);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
  db.transaction(() => {
    for (let id = 1; id <= 2000; id++) insert.run(id, Buffer.alloc(300, id % 251));
  })();
  const leaves = pagesOf(file, 't').pages.filter((p) => p.pagetype === 'leaf');
  const victim = leaves[Math.floor(leaves.length / 2)]!.pageno;
  db.close();
  overwrite(file, (victim - 1) * pagesOf(file, 't').pageSize, Buffer.alloc(16, 0xff));
  return file;
}

describe('scanByRowid', () => {
  it('reads past a wrecked leaf: only its rows are lost, and their range is told', () => {
    const file = fileWithWreckedLeaf();
    const db = new Database(file, { readonly: true });
    const ids: number[] = [];
    const losses = scanByRowid(db, 't', (r: Row) => ids.push(r.id as number));
    db.close();
    expect(losses).toHaveLength(1);
    const [, from, to] = /^rows from rowid (\d+) to rowid (\d+)$/.exec(losses[0]!.rows)!.map(Number);
    expect(losses[0]).toMatchObject({ table: 't', reason: 'database disk image is malformed' });
    // Every row outside the lost range was read, in order; the lost range is one leaf's worth.
    const expected = Array.from({ length: 2000 }, (_, i) => i + 1).filter((id) => id < from! || id > to!);
    expect(ids).toEqual(expected);
    expect(to! - from! + 1).toBeGreaterThan(5);
    expect(to! - from! + 1).toBeLessThan(30);
  });

  it('reads a healthy table whole with no loss', () => {
    const file = join(tempDir('stbp-scan-'), 'ok.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1), (5), (9)');
    const ids: unknown[] = [];
    expect(scanByRowid(db, 't', (r) => ids.push(r.id))).toEqual([]);
    expect(ids).toEqual([1, 5, 9]);
    expect(scanQuery(db, 't', 'SELECT * FROM t WHERE id > ?', [1], (r) => ids.push(r.id), () => '')).toEqual([]);
    expect(ids).toEqual([1, 5, 9, 5, 9]);
    db.close();
  });
});
