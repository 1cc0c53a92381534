/**
 * A run on a damaged store fails with one clear line as its status, never a stack trace: garbage in
 * its dataset's pixels (the chunk checksum), a wrecked b-tree page (SQLite's SQLITE_CORRUPT, whose
 * trace goes to the store's log file). Real training processes, real files.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun } from '../../../main/runs/supervisor';
import { openStore, STORE_FILE_NAME } from '../../../main/store/db';
import { duplicateRun } from '../../../main/store/runs';
import { scribbleOver, wreckTable } from '../../helpers/corrupt-store';
import { imageBytes, trainedStore, type TrainedStore } from '../../helpers/trained-store';

const homes: string[] = [];
const newHome = () => {
  const home = mkdtempSync(join(tmpdir(), 'stbp-damaged-'));
  homes.push(home);
  return home;
};
let base: TrainedStore;
beforeAll(async () => {
  base = await trainedStore(newHome());
});
afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

/** A copy of the trained store, damaged by `damage`, with a fresh run (a duplicate of the trained one) started on it. */
async function runOnDamaged(damage: (file: string) => void): Promise<{ file: string; error: string | null | undefined; status: string }> {
  const home = newHome();
  const file = join(home, STORE_FILE_NAME);
  copyFileSync(base.file, file);
  damage(file);
  const store = openStore({ home });
  try {
    const runId = duplicateRun(store, base.runId);
    const run = await startRun(store, runId).finished;
    return { file, error: run.error, status: run.status };
  } finally {
    store.close();
  }
}

const DOCTOR = '; run `stbp doctor` to see what is damaged and what can be saved, or restore a backup';

describe('a run on a damaged store', () => {
  it('garbage in its pixels: failed, with the chunk named in one line', async () => {
    const { file, status, error } = await runOnDamaged((f) => scribbleOver(f, imageBytes(base, 300)));
    expect(status).toBe('failed');
    expect(error).toMatch(/^the store is damaged: .*: dataset "slice" train chunk 0 \(samples 0 to 999\) has checksum 0x[0-9a-f]{8} but its bytes give 0x[0-9a-f]{8}: they changed after the import; run `stbp doctor`/);
    expect(error).toContain(file);
    expect(error).not.toContain('\n');
  });

  it('a wrecked b-tree page (SQLITE_CORRUPT): failed, with one clear line; the stack only in the log', async () => {
    const { file, status, error } = await runOnDamaged((f) => wreckTable(f, 'dataset_chunks'));
    expect(status).toBe('failed');
    expect(error).toBe(`the store is damaged: ${file}: database disk image is malformed${DOCTOR}`);
    const log = readFileSync(join(file, '..', 'logs', 'failures.log'), 'utf8');
    expect(log).toMatch(/ run \d+: the training process failed\nSqliteError: database disk image is malformed\n\s+at /);
  });
});
