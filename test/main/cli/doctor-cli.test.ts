/**
 * A damaged store from the CLI as a user meets it: every command says so in one line naming the
 * store and pointing at `stbp doctor`, which reports what is damaged and exits 1; a healthy store
 * passes. Real files: a trained store (test/helpers/trained-store.ts) with a wrecked table.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORE_FILE_NAME } from '../../../main/store/db';
import { wreckTable } from '../../helpers/corrupt-store';
import { trainedStore, type TrainedStore } from '../../helpers/trained-store';
import { stbpIn } from '../../helpers/cli';

const homes: string[] = [];
const newHome = () => {
  const home = mkdtempSync(join(tmpdir(), 'stbp-doctor-cli-'));
  homes.push(home);
  return home;
};
afterAll(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));

const stbp = stbpIn;

let base: TrainedStore;
beforeAll(async () => {
  base = await trainedStore(newHome());
});

describe('a damaged store from the CLI', () => {
  it('a healthy store: doctor says so and exits 0', async () => {
    const r = await stbp(join(base.file, '..'), 'doctor');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/healthy|no damage/i);
  });

  it('a wrecked metrics table: commands say so in one line, doctor names the table and exits 1', async () => {
    const home = newHome();
    const file = join(home, STORE_FILE_NAME);
    copyFileSync(base.file, file);
    wreckTable(file, 'metrics');
    const list = await stbp(home, 'runs', 'list');
    expect(list.code).not.toBe(0);
    const lines = list.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^stbp: the store is damaged: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*; run \`stbp doctor\``));
    const doctor = await stbp(home, 'doctor');
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain('metrics');
  });
});
