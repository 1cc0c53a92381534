import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stbpIn } from '../../helpers/cli';

// `stbp runs export` as a user runs it: the bundled bin on its own temporary store, a tiny real
// training run, then its files checked against what `stbp runs show` prints of the same run.
const home = mkdtempSync(join(tmpdir(), 'stbp-export-'));
const outDir = mkdtempSync(join(tmpdir(), 'stbp-export-out-'));

const stbp = (...args: string[]) => stbpIn(home, ...args);

/** The CSV this writer produces (no quoted fields in metric files): header and numeric rows. */
function parseCsv(text: string): { header: string[]; rows: number[][] } {
  expect(text.endsWith('\r\n')).toBe(true);
  const [head, ...lines] = text.slice(0, -2).split('\r\n');
  return { header: head!.split(','), rows: lines.map((l) => l.split(',').map(Number)) };
}

interface ShownEpoch { epoch: number; loss: number; train: number; test: number; seconds: number }

/** `  epoch 1: loss 0.1234, train 95.00%, test 90.00%, 1.2 s` lines of `stbp runs show`. */
function shownEpochs(stdout: string): ShownEpoch[] {
  return [...stdout.matchAll(/^ {2}epoch (\d+): loss ([\d.]+), train ([\d.]+)%, test ([\d.]+)%, ([\d.]+) s$/gm)].map((m) => ({
    epoch: Number(m[1]), loss: Number(m[2]), train: Number(m[3]), test: Number(m[4]), seconds: Number(m[5]),
  }));
}

let runId = 0;
let shown: ShownEpoch[] = [];

beforeAll(async () => {
  const trained = await stbp('train', '--preset', 'mlp-quick', '--epochs', '2', '--limit', '400', '--test-limit', '100', '--batch', '50', '--seed', '5', '--quiet');
  expect(trained.code, trained.stderr).toBe(0);
  runId = Number(/^run (\d+):/m.exec(trained.stdout)?.[1]);
  const show = await stbp('runs', 'show', String(runId));
  shown = shownEpochs(show.stdout);
  expect(shown).toHaveLength(2);
}, 180_000);

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
});

describe('stbp runs export', () => {
  it('prints the per-epoch series as CSV to stdout, with the figures runs show prints', async () => {
    const { code, stdout } = await stbp('runs', 'export', String(runId), '--csv');
    expect(code).toBe(0);
    const { header, rows } = parseCsv(stdout);
    expect(header).toEqual(['epoch', 'step', 'train_loss', 'train_accuracy', 'test_accuracy', 'firing_rate_1_dense_128', 'firing_rate_2_output_10', 'seconds', 'samples_per_second']);
    expect(rows).toHaveLength(2);
    rows.forEach((row, i) => {
      const [epoch, step, loss, train, test, rate1, rate2, seconds, speed] = row as [number, number, number, number, number, number, number, number, number];
      expect(epoch).toBe(shown[i]!.epoch);
      expect(step).toBe((i + 1) * 8); // 400 samples in batches of 50
      expect(loss.toFixed(4)).toBe(shown[i]!.loss.toFixed(4));
      expect((100 * train).toFixed(2)).toBe(shown[i]!.train.toFixed(2));
      expect((100 * test).toFixed(2)).toBe(shown[i]!.test.toFixed(2));
      expect(seconds.toFixed(1)).toBe(shown[i]!.seconds.toFixed(1));
      for (const rate of [rate1, rate2]) expect(rate).toBeGreaterThan(0);
      expect(speed).toBeGreaterThan(0);
    });
  });

  it('prints the per-batch series with --batches: one row per optimiser step', async () => {
    const { code, stdout } = await stbp('runs', 'export', String(runId), '--csv', '--batches');
    expect(code).toBe(0);
    const { header, rows } = parseCsv(stdout);
    expect(header).toEqual(['step', 'epoch', 'batch', 'loss', 'accuracy', 'firing_rate_1_dense_128', 'firing_rate_2_output_10']);
    expect(rows.map((r) => r[0])).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(rows.map((r) => [r[1], r[2]])).toEqual(Array.from({ length: 16 }, (_, i) => [Math.floor(i / 8) + 1, (i % 8) + 1]));
    for (const row of rows) expect(row.every(Number.isFinite)).toBe(true);
  });

  it('writes the run as JSON: spec, settings, both series, matching runs show', async () => {
    const { code, stdout } = await stbp('runs', 'export', String(runId), '--json');
    expect(code).toBe(0);
    const document = JSON.parse(stdout) as {
      format: string; run: { id: number; name: string; status: string; datasetName: string; seed: number; spec: { layers: { className: string }[] }; settings: { epochs: number; batchSize: number; limit: number } };
      metrics: { epochs: { epoch: number; trainLoss: number; testAccuracy: number }[]; batches: unknown[] };
    };
    expect(document.format).toBe('stbp-workbench-run');
    expect(document.run).toMatchObject({ id: runId, name: 'mlp-quick', status: 'completed', datasetName: 'mnist', seed: 5 });
    expect(document.run.spec.layers.map((l) => l.className)).toEqual(['input', 'dense', 'output']);
    expect(document.run.settings).toMatchObject({ epochs: 2, batchSize: 50, limit: 400 });
    expect(document.metrics.batches).toHaveLength(16);
    expect(document.metrics.epochs.map((e) => [e.epoch, e.trainLoss.toFixed(4), (100 * e.testAccuracy).toFixed(2)])).toEqual(
      shown.map((s) => [s.epoch, s.loss.toFixed(4), s.test.toFixed(2)]),
    );
  });

  it('writes both CSV files and the JSON into a folder with --out, and one file to a file path', async () => {
    const folder = join(outDir, 'all') + '/';
    const both = await stbp('runs', 'export', String(runId), '--csv', '--json', '--out', folder);
    expect(both.code, both.stderr).toBe(0);
    expect(readdirSync(folder).sort()).toEqual([`run-${runId}-batches.csv`, `run-${runId}-epochs.csv`, `run-${runId}.json`]);
    expect(both.stdout).toContain(`run-${runId}-epochs.csv (2 rows)`);
    const stdoutCsv = (await stbp('runs', 'export', String(runId), '--csv')).stdout;
    expect(readFileSync(join(folder, `run-${runId}-epochs.csv`), 'utf8')).toBe(stdoutCsv);

    const file = join(outDir, 'batches.csv');
    expect((await stbp('runs', 'export', String(runId), '--csv', '--batches', '--out', file)).code).toBe(0);
    expect(parseCsv(readFileSync(file, 'utf8')).rows).toHaveLength(16);
  });

  it('says what is missing or clashing, and names a run that does not exist', async () => {
    const neither = await stbp('runs', 'export', String(runId));
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/runs export needs --csv or --json/);
    const clash = await stbp('runs', 'export', String(runId), '--csv', '--json');
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/--csv and --json both.*--out <dir>/);
    const missing = await stbp('runs', 'export', '999', '--csv');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/run 999/);
  });
});
