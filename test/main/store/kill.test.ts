import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect, it } from 'vitest';
import { STORE_FILE_NAME } from '../../../main/store/db';
import { getDataset, insertImageDataset, listDatasets, storeImageDataset } from '../../../main/store/datasets';
import { readImageSplit } from '../../../main/store/dataset-samples';
import { listRuns, recoverInterruptedRuns } from '../../../main/store/runs';
import { countRows, useTempStores } from './temp-store';

const temp = useTempStores();
const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** Bundles the fixture to CommonJS so plain Node runs it; packages resolve through NODE_PATH. */
async function bundleWriter(dir: string): Promise<string> {
  const outfile = join(dir, 'killed-writer.cjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./fixtures/killed-writer.ts', import.meta.url))],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  return outfile;
}

/** Runs the writer until it is inside its big transaction, then SIGKILLs it. */
function killInsideTransaction(script: string, home: string, mode: 'one' | 'sliced'): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, home, mode], {
      env: { ...process.env, NODE_PATH: join(repo, 'node_modules') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('inside\n')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited with ${code} before being killed:\n${out}${err}`)),
    );
  });
}

it('a writer killed inside a transaction leaves its committed work and none of the rest', async () => {
  const home = temp.home();
  await killInsideTransaction(await bundleWriter(home), home, 'one');
  const file = join(home, STORE_FILE_NAME);
  // The WAL was never checkpointed: the schema itself lives there, so the header alone is stale.
  expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);

  const store = temp.open({ home });
  expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
  expect(listDatasets(store).map((d) => d.name)).toEqual(['kept']);
  expect(readImageSplit(store, 1, 'train').count).toBe(10);
  expect(countRows(store, 'dataset_chunks')).toBe(2);
  expect(recoverInterruptedRuns(store)).toBe(1);
  expect(listRuns(store).map((r) => r.status)).toEqual(['interrupted']);

  const split = (count: number) => ({ count, pixels: new Uint8Array(count * 784), labels: new Uint8Array(count) });
  insertImageDataset(store, { name: 'lost', source: 'test', meta: {}, sampleBytes: 784, train: split(2500), test: split(100) });
  expect(countRows(store, 'dataset_chunks')).toBe(2 + 3 + 1);
});

it('a writer killed while storing a dataset in slices leaves it hidden; the next dataset write removes it', async () => {
  const home = temp.home();
  await killInsideTransaction(await bundleWriter(home), home, 'sliced');
  const store = temp.open({ home });
  expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
  expect(listDatasets(store).map((d) => d.name)).toEqual(['kept']);
  expect(getDataset(store, 'lost')).toBeUndefined();
  expect(countRows(store, 'datasets')).toBe(2); // the cut-short one, hidden
  expect(countRows(store, 'dataset_chunks')).toBe(2 + 2); // its first two chunks were committed

  const split = (count: number) => ({ count, pixels: new Uint8Array(count * 784), labels: new Uint8Array(count) });
  const id = await storeImageDataset(store, { name: 'lost', source: 'test', meta: {}, sampleBytes: 784, train: split(2500), test: split(100) });
  expect(listDatasets(store).map((d) => d.name)).toEqual(['kept', 'lost']);
  expect(readImageSplit(store, id, 'train').count).toBe(2500);
  expect(countRows(store, 'dataset_chunks')).toBe(2 + 3 + 1);
});
