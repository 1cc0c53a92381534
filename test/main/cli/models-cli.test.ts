import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../../engine/data/mnist-node';
import { png } from '../../helpers/images';
import { stbpIn } from '../../helpers/cli';

// Models from the CLI as a user runs it (the bundled bin), on one temporary store: a run trained on
// a real MNIST slice, exported, imported back, listed, evaluated and asked for predictions.
const home = mkdtempSync(join(tmpdir(), 'stbp-models-cli-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const stbp = (...args: string[]) => stbpIn(home, ...args);

const file = (name: string) => join(home, name);
let runTest: string;

beforeAll(async () => {
  const trained = await stbp('train', '--preset', 'mlp-quick', '--epochs', '2', '--limit', '1000', '--test-limit', '200', '--T', '6', '--seed', '4', '--quiet');
  expect(trained.code).toBe(0);
  // The epoch lines give each epoch's test accuracy; the best one is what `export` takes by default.
  const accuracies = [...trained.stdout.matchAll(/^epoch \d+: .* test (\d+\.\d\d)%/gm)].map((m) => m[1]!);
  runTest = accuracies.reduce((a, b) => (Number(b) > Number(a) ? b : a));
});

describe('stbp export / models / evaluate / predict', () => {
  it('exports a run\'s best weights as a bundle and imports them as a model', async () => {
    const exported = await stbp('export', '1', '--format', 'bundle', '--out', file('quick.stbp'));
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(new RegExp(`^wrote .*quick\\.stbp \\(bundle, \\d+ bytes\\): mlp-quick-best, run 1, epoch \\d, test accuracy ${runTest}%$`, 'm'));
    expect(statSync(file('quick.stbp')).size).toBeGreaterThan(4 * 784 * 128);
    const imported = await stbp('models', 'import', file('quick.stbp'), '--name', 'digits');
    expect(imported.stdout).toMatch(/^model 1: digits, imported from quick\.stbp \(imported bundle\)$/m);
    const list = await stbp('models', 'list');
    expect(list.stdout).toMatch(new RegExp(`^\\s+1\\s+digits\\s+bundle\\s+1\\s+\\d\\s+${runTest}%\\s+6\\s+mnist$`, 'm'));
    const show = await stbp('models', 'show', 'digits');
    expect(show.stdout).toContain('coding     Bernoulli rate coding, T = 6');
    expect(show.stdout).toMatch(/^\s+1 dense\s+→ \[128\], 100480 params$/m);
  });

  it('evaluates a model on a dataset: the run\'s own test accuracy and a confusion matrix', async () => {
    const r = await stbp('evaluate', 'digits', '--dataset', 'mnist', '--test-limit', '200');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^accuracy: ${runTest}%$`, 'm'));
    expect(r.stdout).toMatch(/^true\\pred\s+0\s+1\s+2 .* 9\s+accuracy$/m);
    const rows = r.stdout.split('\n').filter((l) => /^\d\s/.test(l));
    expect(rows).toHaveLength(10);
    const counted = rows.reduce((sum, row) => sum + row.trim().split(/\s+/).slice(1, 11).reduce((a, b) => a + Number(b), 0), 0);
    expect(counted).toBe(200);
  });

  it('predicts image files and a dataset split; the split\'s accuracy is the evaluation\'s', async () => {
    const { test } = await loadMnist({ limitTrain: 0, limitTest: 3 });
    const paths = [0, 1, 2].map((i) => {
      const path = file(`digit-${i}.png`);
      writeFileSync(path, png(28, 28, (x, y) => { const v = test.pixels[i * 784 + y * 28 + x]!; return [v, v, v]; }));
      return path;
    });
    const images = await stbp('predict', 'digits', ...paths);
    expect(images.code).toBe(0);
    const lines = images.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    lines.forEach((l, i) => expect(l).toMatch(new RegExp(`^${paths[i]}: \\d  counts( \\d+){10}$`)));
    const split = await stbp('predict', 'digits', '--dataset', 'mnist', '--limit', '200');
    expect(split.stdout).toMatch(new RegExp(`^accuracy: ${runTest}% \\(\\d+ of 200, seed \\d+\\)$`, 'm'));
    expect(split.stdout.split('\n').filter((l) => l.startsWith('mnist test '))).toHaveLength(200);
  });

  it('exports NIR with a chosen dt and a stored model again; deletes a model', async () => {
    const nir = await stbp('export', '1', '--epoch', 'latest', '--format', 'nir', '--dt', '0.001', '--out', file('quick.nir'));
    expect(nir.stdout).toMatch(/^wrote .*quick\.nir \(NIR, dt = 0\.001 s, \d+ bytes\): mlp-quick-latest, run 1, epoch 2,/m);
    const back = await stbp('models', 'import', file('quick.nir'));
    expect(back.stdout).toMatch(/^model 2: mlp-quick-latest, imported from quick\.nir \(imported NIR, dt 0\.001 s\)$/m); // the name the file records
    const again = await stbp('models', 'export', '2', '--format', 'bundle', '--out', file('again.stbp'));
    expect(again.code).toBe(0);
    expect((await stbp('models', 'delete', 'mlp-quick-latest')).stdout).toBe('deleted model 2 (mlp-quick-latest)\n');
    expect((await stbp('models', 'show', '2')).stderr).toMatch(/^stbp: unknown model "2" \(known: 1 "digits"\)/);
  });

  it('fine-tunes a stored model: a run from its spec, its run\'s settings and its weights', async () => {
    const r = await stbp('train', '--from-model', 'digits', '--epochs', '1', '--limit', '300', '--test-limit', '200', '--quiet');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^run 2: digits-tuned on mnist \(T=6 batch=100 adam lr=0\.001 loss=mse grad=stbp seed=4, from model 1's weights\)$/m);
    const accuracy = Number(/^test accuracy: (\d+\.\d\d)%$/m.exec(r.stdout)![1]);
    expect(accuracy).toBeGreaterThan(Number(runTest) - 10); // starts trained: a fresh net on 300 images is far below
  });

  it('routes the PyTorch job verbs: export --format pytorch writes a job folder, import-job names a missing metrics file', async () => {
    const dir = file('job');
    const r = await stbp('export', '1', '--format', 'pytorch', '--out', dir);
    expect(r.code).toBe(0);
    for (const name of ['model.py', 'train.py', 'README.md']) expect(statSync(join(dir, name)).size).toBeGreaterThan(100);
    const imported = await stbp('runs', 'import-job', dir);
    expect(imported.code).not.toBe(0);
    expect(imported.stderr).toContain('metrics.jsonl');
    const help = await stbp('--help');
    for (const words of ['stbp runs import-job <dir>', 'stbp jobs start <dir>', '--format pytorch']) expect(help.stdout).toContain(words);
  });

  it.each([
    [['train', '--epochs', '1'], 'train needs --preset <name> (see `stbp presets`) or --from-model <model>'],
    [['train', '--from-model', 'nothing'], 'unknown model "nothing"'],
    [['export', '1', '--format', 'onnx', '--out', 'x'], '--format is "onnx"; allowed: bundle ('],
    [['export', '1', '--format', 'nir'], 'export needs --out <file>'],
    [['export', '1', '--epoch', 'first', '--format', 'nir', '--out', 'x'], '--epoch is "first"; allowed: best, latest or an epoch number >= 1'],
    [['export', '1', '--epoch', '7', '--format', 'nir', '--out', 'x'], 'no weights of the end of epoch 7; stored weights: end of epoch 2, end of epoch 1'],
    [['export', '9', '--format', 'nir', '--out', 'x'], 'unknown run 9'],
    [['models', 'import', '/nonexistent/model.nir'], 'cannot read model file /nonexistent/model.nir: no such file'],
    [['evaluate', 'digits'], 'evaluate needs --dataset <name>'],
    [['predict', 'digits'], 'predict needs image files or --dataset <name>'],
    [['predict', 'digits', '/nonexistent.png'], 'cannot read image /nonexistent.png: no such file'],
    [['models', 'rename'], 'unknown models command "rename"'],
  ])('refuses %j with a clear error', async (args, message) => {
    const r = await stbp(...args);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(message);
  });
});
