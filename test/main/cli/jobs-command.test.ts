import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { exportJobCommand, followJobCommand, importJobCommand, jobsCommand, JOBS_HELP } from '../../../main/cli/jobs-command';
import type { Store } from '../../../main/store/db';
import { createRun, listRuns } from '../../../main/store/runs';
import { expectEngineError } from '../../helpers/errors';
import { MLP, QUICK, python, runTrain, storeMnistSlice } from '../services/jobs-fixtures';
import { useFileTemps } from '../services/temp';

const { tempDir, tempStore } = useFileTemps();

/** What a command printed with console.log, line by line. */
function captured(): () => string[] {
  const spy = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  return () => spy.mock.calls.map((c) => c.join(' '));
}
afterEach(() => vi.restoreAllMocks());

describe('stbp export <run> --format pytorch, stbp runs import-job, stbp runs follow, stbp jobs start', () => {
  let store: Store;
  let runId: number;

  beforeAll(async () => {
    store = tempStore();
    const datasetId = await storeMnistSlice(store, 200, 50);
    const { seed, ...hyper } = QUICK;
    runId = createRun(store, { name: 'mlp-quick', datasetId, spec: MLP, hyper: { ...hyper, threads: 2 }, seed, backendRequested: 'auto' });
  });

  it('says every verb and option in its help text', () => {
    for (const word of ['--format pytorch', '--fine-tune', '--epoch', 'import-job', 'follow', 'jobs start', '--nproc', '--resume', '--out']) expect(JOBS_HELP).toContain(word);
  });

  it('exports a run as a job folder with setting flags as new defaults, and says how to run it', async () => {
    const out = join(tempDir('stbp-cli-job-'), 'job');
    const lines = captured();
    expect(await exportJobCommand(store, [String(runId)], { out, epochs: '3', T: '6', lr: '0.01', 'no-augment': true })).toBe(0);
    expect(lines()[0]).toBe(`wrote ${out}: a PyTorch job for run ${runId} (mlp-quick), 11 files`);
    expect(lines()[1]).toBe('  3 epochs, T=6, batch 50, adam lr=0.01, loss mse, grad stbp');
    expect(lines().join('\n')).toContain(`stbp runs import-job ${out}`);
    const manifest = JSON.parse(readFileSync(join(out, 'job.json'), 'utf8'));
    expect(manifest.settings).toMatchObject({ epochs: 3, steps: 6, lr: 0.01, augment: [], seed: 1 });
    expect(manifest.settings.threads).toBeUndefined();
  });

  it('refuses bad export requests by name', async () => {
    await expectEngineError(exportJobCommand(store, [String(runId)], {}), 'bad-option', 'export --format pytorch needs --out <dir>');
    await expectEngineError(exportJobCommand(store, [String(runId)], { out: tempDir('x'), epoch: '2' }), 'bad-option', '--epoch 2 chooses the starting weights of a fine-tuning job; add --fine-tune');
    await expectEngineError(exportJobCommand(store, [String(runId)], { out: join(tempDir('x'), 'j'), 'fine-tune': true }), 'no-weights', 'has no finished epoch yet');
    await expectEngineError(exportJobCommand(store, ['x'], { out: tempDir('x') }), 'bad-option', 'run id is "x"');
    await expectEngineError(exportJobCommand(store, [], { out: tempDir('x') }), 'bad-command', 'missing a run id');
    await expectEngineError(jobsCommand(store, ['run', 'x'], {}), 'bad-command', 'unknown jobs command "run" (known: start)');
    await expectEngineError(jobsCommand(store, ['start'], {}), 'bad-command', 'missing a job folder');
    await expectEngineError(importJobCommand(store, [], {}), 'bad-command', 'missing a job folder; usage: stbp runs import-job <dir>');
  });

  describe.skipIf(python.skip)('with Python', () => {
    it('imports a finished job and prints the lines scripts read', async () => {
      const out = join(tempDir('stbp-cli-job-'), 'job');
      captured();
      await exportJobCommand(store, [String(runId)], { out, epochs: '1' });
      runTrain(out);
      vi.restoreAllMocks();
      const lines = captured();
      expect(await importJobCommand(store, [out], {})).toBe(0);
      expect(lines()[0]).toMatch(/^run \d+ \(mlp-quick\): completed$/);
      expect(lines()[1]).toMatch(/^ {2}1 epochs, 4 batches, weights final\.nir; pytorch \S+ 1 process \(cpu/);
      expect(lines()).toContainEqual(expect.stringMatching(/^test accuracy: \d+\.\d\d%$/));
    });

    it('starts a job here and prints its progress and summary', async () => {
      const out = join(tempDir('stbp-cli-job-'), 'job');
      captured();
      await exportJobCommand(store, [String(runId)], { out, epochs: '1' });
      vi.restoreAllMocks();
      const lines = captured();
      expect(await jobsCommand(store, ['start', out], { nproc: '1', T: '2' })).toBe(0);
      const text = lines().join('\n');
      expect(text).toMatch(/^run \d+: job .* started under torchrun \(pid \d+\)/m);
      expect(text).toMatch(/^job mlp-quick: 1 process on cpu .*; global batch 50, 4 batches per epoch$/m);
      expect(text).toMatch(/^epoch 1: loss \d+\.\d+, train \d+\.\d+%, test \d+\.\d+%, firing [\d./]+, [\d.]+ s, \d+ samples\/s \(200 samples\)$/m);
      expect(text).toMatch(/^run \d+ \(mlp-quick\): completed$/m);
      expect(text).toMatch(/^test accuracy: \d+\.\d\d%$/m);
      expect(listRuns(store).at(-1)?.hyper).toMatchObject({ steps: 2, epochs: 1 });
    });

    it('follows a job another process runs', async () => {
      const out = join(tempDir('stbp-cli-job-'), 'job');
      captured();
      await exportJobCommand(store, [String(runId)], { out, epochs: '1' });
      vi.restoreAllMocks();
      const lines = captured();
      const following = followJobCommand(store, [out], {});
      const job = spawn(python.path, ['train.py', '--threads', '1'], { cwd: out, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      job.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exit = await new Promise<number | null>((r) => job.once('close', r));
      // The job has ended: following must end within a few polls of its last line.
      const late = new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`following did not end after the job exited (${exit}):\n${stderr}`)), 10_000));
      expect(await Promise.race([following, late])).toBe(0);
      const text = lines().join('\n');
      expect(text).toMatch(/^following .* \(Ctrl-C stops following; the job goes on\)…$/m);
      expect(text).toMatch(/^run \d+: recording the job$/m);
      expect(text).toMatch(/^run \d+ \(mlp-quick\): completed$/m);
    });
  });
});
