import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../main/store/db';
import { latestCheckpoint } from '../../../main/store/checkpoints';
import { listMetrics } from '../../../main/store/metrics';
import { getRun } from '../../../main/store/runs';
import { listStudyCells } from '../../../main/store/studies';
import { STBP_BIN, stbpIn } from '../../helpers/cli';

// `stbp study` as a user runs it (the bundled bin, built by `npm test`), each test on its own
// temporary store, training real runs in real processes on small MNIST slices.
const homes: string[] = [];
afterAll(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));
const newHome = (): string => {
  const home = mkdtempSync(join(tmpdir(), 'stbp-study-'));
  homes.push(home);
  return home;
};

const stbp = stbpIn;

function studyFile(home: string, study: object): string {
  const file = join(home, 'study.json');
  writeFileSync(file, JSON.stringify(study));
  return file;
}

describe('stbp study', () => {
  it('runs a recipe’s quick scale end to end on a small slice and prints the summary with the paper’s numbers', async () => {
    const home = newHome();
    const { code, stdout, stderr } = await stbp(home, 'study', 'run', 'stbp-vs-sdbp', '--scale', 'quick', '--limit', '300', '--test-limit', '100', '--epochs', '2', '--threads', '1', '--parallel', '1');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^study 1: stbp-vs-sdbp-quick, 6 runs queued \(grad × 3 seeds\)$/m);
    expect(stdout).toMatch(/^training 1 run\(s\) at a time/m);
    // Seeds outermost: one of each setting first.
    const started = [...stdout.matchAll(/^▶ run (\d+) \(cell (\d)\/6: (grad=\w+, seed \d)\)$/gm)].map((m) => m[3]);
    expect(started).toEqual(['grad=stbp, seed 1', 'grad=sdbp, seed 1', 'grad=stbp, seed 2', 'grad=sdbp, seed 2', 'grad=stbp, seed 3', 'grad=sdbp, seed 3']);
    expect(stdout).toMatch(/^ {2}run 1 epoch 2\/2: loss \d\.\d{4}, train \d+\.\d\d%, test \d+\.\d\d%/m);
    expect(stdout).toMatch(/^■ run 6: completed, test \d+\.\d\d% \[6\/6 completed\]$/m);
    expect(stdout).toMatch(/^summary: test accuracy over the last 2 epoch\(s\) of each completed run, pooled over seeds \(spread: standard deviation of the runs' means over seeds, in points\)$/m);
    expect(stdout).toMatch(/^ {2}grad=stbp +3\/3 +\d+\.\d\d% ± \d+\.\d\d +\[\d+\.\d\d%, \d+\.\d\d%\] +98\.48% \[98\.42%, 98\.51%\]$/m);
    expect(stdout).toMatch(/^ {2}grad=sdbp +3\/3 +\d+\.\d\d% ± \d+\.\d\d +\[\d+\.\d\d%, \d+\.\d\d%\] +98\.29% \[98\.23%, 98\.39%\]$/m);

    // Every cell is a normal run of the store, and `show` prints the same table again.
    const runs = await stbp(home, 'runs', 'list');
    expect(runs.stdout.match(/completed/g)).toHaveLength(6);
    const show = await stbp(home, 'study', 'show', '1');
    expect(show.stdout).toContain(stdout.slice(stdout.indexOf('study 1: stbp-vs-sdbp-quick — 6 runs')));
    expect((await stbp(home, 'study', 'list')).stdout).toMatch(/^ {3}1 {2}stbp-vs-sdbp-quick +6 +6 +0 +0 {2}\d{4}-/m);
  });

  it('survives kill -9 of the process running the queue: the killed run resumes from its checkpoint, the rest start in order', async () => {
    const home = newHome();
    // 3 epochs of 150 batches: the kill lands after the first epoch's checkpoint, long before the run ends.
    const file = studyFile(home, { name: 'killed', base: { preset: 'mlp-quick', epochs: 3, limit: 3000, testLimit: 100, batch: 20, T: 4, threads: 1, seed: 2 }, axes: { grad: ['stbp', 'sdbp', 'detach-reset'] } });
    const child = spawn(process.execPath, [STBP_BIN, 'study', 'run', file, '--parallel', '1'], { env: { ...process.env, STBP_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const store = openStore({ home });
    try {
      await expect.poll(() => latestCheckpoint(store, 1)?.epoch ?? 0, { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(2);
      const firstEpoch = listMetrics(store, 1, 'epoch')[0];
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      expect(out).toMatch(/^▶ run 1 \(cell 1\/3: grad=stbp, seed 2\)$/m);
      expect(getRun(store, 1)?.status).toBe('running'); // its supervisor died with it
      expect(getRun(store, 2)?.status).toBe('created');

      const resumed = await stbp(home, 'study', 'resume', '1', '--quiet');
      expect(resumed.stderr).toBe('');
      expect(resumed.code).toBe(0);
      const starts = [...resumed.stdout.matchAll(/^▶ run (\d+) \(cell \d\/3: [^)]+\)(.*)$/gm)].map((m) => [Number(m[1]), m[2]]);
      expect(starts).toEqual([[1, ', resuming from its last checkpoint'], [2, ''], [3, '']]);
      for (const id of [1, 2, 3]) {
        expect(getRun(store, id)?.status).toBe('completed');
        expect(listMetrics(store, id, 'epoch').map((m) => m.epoch)).toEqual([1, 2, 3]);
      }
      // The killed run did not start over: its first epoch's record (with its time) is the one from before the kill.
      expect(listMetrics(store, 1, 'epoch')[0]).toEqual(firstEpoch);
      const started = [1, 2, 3].map((id) => getRun(store, id)!.startedAt!);
      expect([...started].sort()).toEqual(started);
      expect(listStudyCells(store, 1).map((c) => c.runId)).toEqual([1, 2, 3]);
    } finally {
      child.kill('SIGKILL');
      store.close();
    }
  });

  it.each<[string, object | string[], RegExp]>([
    ['an unknown recipe', ['study', 'run', 'fig-9'], /unknown study recipe "fig-9" \(known: rectangle-width, stbp-vs-sdbp, surrogate-shapes, t-sweep/],
    ['an unknown scale', ['study', 'run', 't-sweep', '--scale', 'huge'], /--scale is "huge"; allowed: quick, paper/],
    ['an axis over an unknown setting', { name: 'x', base: { preset: 'mlp-quick' }, axes: { threshold: [1, 2] } }, /axes names the unknown setting "threshold"; allowed: surrogate\.name, surrogate\.width, tau, vth/],
    ['an empty grid', { name: 'x', base: { preset: 'mlp-quick' }, axes: {} }, /has an empty grid/],
    ['a value out of range', { name: 'x', base: { preset: 'mlp-quick' }, axes: { tau: [0.1, 1.5] } }, /study "x", cell 1 \(tau=1\.5, seed 1\): .*tau is 1\.5; allowed: a decay factor in \[0, 1\)/],
    ['a study larger than confirmed', { name: 'x', base: { preset: 'mlp-quick' }, axes: { T: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }, seeds: 3 }, /has 33 runs \(11 T × 3 seeds\); allowed: at most 32 runs unless confirmed: pass --max-runs 33/],
    ['a file that is not JSON', ['study', 'run', 'BROKEN'], /study file .*study\.json is not valid JSON/],
    ['an unknown study', ['study', 'show', '7'], /unknown study 7 \(known: none yet; see stbp study list\)/],
    ['an unknown sub-command', ['study', 'sweep'], /unknown study command "sweep" \(known: recipes, run, list, show, resume, delete\)/],
  ])('refuses %s with a clear error, queueing nothing', async (_, what, message) => {
    const home = newHome();
    let args: string[];
    if (Array.isArray(what) && what.includes('BROKEN')) {
      const file = join(home, 'study.json');
      writeFileSync(file, '{"name": ');
      args = what.map((a) => (a === 'BROKEN' ? file : a));
    } else {
      args = Array.isArray(what) ? what : ['study', 'run', studyFile(home, what)];
    }
    const { code, stderr } = await stbp(home, ...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect((await stbp(home, 'study', 'list')).stdout).toMatch(/^no studies yet/);
    expect((await stbp(home, 'runs', 'list')).stdout).toMatch(/^no runs yet/);
  });

  it('lists the recipes with both scales', async () => {
    const { stdout } = await stbp(newHome(), 'study', 'recipes');
    expect(stdout).toMatch(/^rectangle-width +Rectangle width a1 \(Fig\. 6b\)$/m);
    expect(stdout).toMatch(/^ +--scale quick +12 runs: mlp-400, 5 epochs, T=8, 20000 train images, 2 seeds$/m);
    expect(stdout).toMatch(/^ +--scale paper +2 runs: mlp-400, 210 epochs, T=30, all train images$/m);
  });
});
