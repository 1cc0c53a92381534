import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNmnist } from '../../../engine/data/nmnist';
import { stbpIn } from '../../helpers/cli';

// The CLI as a user runs it: the bundled bin (built by `npm test` / `npm install`).
// Every CLI call of this file shares one temporary store, never the user's ~/.stbp-workbench.
const home = mkdtempSync(join(tmpdir(), 'stbp-cli-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const stbp = (...args: string[]) => stbpIn(home, ...args);

describe('stbp CLI', () => {
  it('explains every command and option in --help', async () => {
    const { code, stdout } = await stbp('--help');
    expect(code).toBe(0);
    for (const word of ['train', 'presets', '--preset', '--epochs', '--T', '--batch', '--backend', '--seed', '--limit', 'mlp-800', 'mlp-400', 'mlp-quick']) {
      expect(stdout).toContain(word);
    }
  });

  it('lists the presets', async () => {
    const { code, stdout } = await stbp('presets');
    expect(code).toBe(0);
    expect(stdout).toMatch(/mlp-400 .*784-400-10/);
    expect(stdout).toMatch(/mlp-800 .*784-800-10/);
  });

  it('trains a preset on a real MNIST slice, records the run, and prints the summary lines scripts read', async () => {
    const { code, stdout } = await stbp('train', '--preset', 'mlp-quick', '--epochs', '1', '--limit', '600', '--test-limit', '200', '--seed', '3');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^run 1: mlp-quick on mnist/m);
    expect(stdout).toMatch(/^run 1 \(mlp-quick\): completed$/m);
    expect(stdout).toMatch(/^epoch 1: loss \d+\.\d+, train \d+\.\d+%, test \d+\.\d+%/m);
    expect(stdout).toMatch(/^test accuracy: \d+\.\d\d%$/m);
    expect(stdout).toMatch(/^throughput: \d+ samples\/s$/m);
    expect(stdout).toMatch(/^backend: wasm-simd ×\d threads? \(auto: the faster for this network, .*\)$/m);
  });

  it('lists, shows, resumes and deletes recorded runs', async () => {
    const list = await stbp('runs', 'list');
    expect(list.stdout).toMatch(/^\s+1\s+mlp-quick\s+completed\s+mnist\s+1\/1 epochs\s+\d+\.\d\d%\s+(ok|not-learning)\s+wasm-simd/m);
    const show = await stbp('runs', 'show', '1');
    expect(show.stdout).toMatch(/status\s+completed/);
    expect(show.stdout).toMatch(/^  epoch 1: loss/m);
    expect(show.stdout).toMatch(/^  progress   epoch 1 of 1, batch 6 of 6 \(100% of the epoch\), 600 of 600 samples seen$/m);
    expect(show.stdout).toMatch(/^  verdict    (learning|not learning): test accuracy \d+(\.\d)?% \(chance 10%\)/m);
    const resume = await stbp('runs', 'resume', '1');
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(/run 1 is completed; duplicate it to train again/);
    expect((await stbp('runs', 'delete', '1')).stdout).toMatch(/deleted run 1/);
    expect((await stbp('runs', 'show', '1')).stderr).toMatch(/run 1/);
  });

  it('imports datasets, lists them, and refuses a bad file naming it with nothing half-imported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stbp-idx-'));
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), new Uint8Array([0, 0, 8, 1, 0, 0, 0, 0]));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), new Uint8Array([0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1]));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), new Uint8Array([0, 0, 8, 1, 0, 0, 0, 0]));
    const bad = await stbp('datasets', 'import', 'idx', dir, '--name', 'broken');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/train-images-idx3-ubyte/);
    const fashion = await stbp('datasets', 'import', 'idx', '/usr/share/datasets/fashion-mnist', '--name', 'fashion');
    expect(fashion.code).toBe(0);
    const list = await stbp('datasets', 'list');
    expect(list.stdout).toMatch(/fashion/);
    const preview = await stbp('datasets', 'show', 'fashion', '--sample', '0', '--T', '5');
    expect(preview.stdout).toMatch(/^label 9, 28x28x1; Bernoulli spike trains over T = 5:$/m);
    expect(preview.stdout).toMatch(/^input spikes per step: (\d+ ){5}\(total \d+, mean rate 0\.\d+\)$/m);
    expect(preview.stdout.split('\n').filter((l) => /[@#%]/.test(l)).length).toBeGreaterThan(10); // the boot is drawn
    expect(list.stdout).not.toMatch(/broken/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports N-MNIST event files and trains the paper\'s 34x34x2-800-10 on them', async () => {
    const root = mkdtempSync(join(tmpdir(), 'stbp-nmnist-'));
    for (const [split, perClass] of [['Train', 4], ['Test', 2]] as const) {
      for (const digit of [0, 1]) {
        mkdirSync(join(root, split, String(digit)), { recursive: true });
        for (let i = 0; i < perClass; i++) {
          // A short saccade: digit 0 lights the left half, digit 1 the right half.
          const n = 1500;
          const x = Uint8Array.from({ length: n }, (_, k) => (digit ? 17 : 0) + ((k * 7 + i) % 17));
          const y = Uint8Array.from({ length: n }, (_, k) => (k * 5 + i) % 34);
          const p = Uint8Array.from({ length: n }, (_, k) => k % 2);
          const t = Uint32Array.from({ length: n }, (_, k) => 200 * k);
          writeFileSync(join(root, split, String(digit), `${i}.bin`), encodeNmnist({ count: n, x, y, p, t }));
        }
      }
    }
    expect((await stbp('datasets', 'import', 'nmnist', root, '--name', 'nmnist-tiny')).code).toBe(0);
    const trained = await stbp('train', '--preset', 'nmnist-800', '--dataset', 'nmnist-tiny', '--epochs', '1', '--T', '10', '--batch', '4');
    expect(trained.stderr).toBe('');
    expect(trained.code).toBe(0);
    expect(trained.stdout).toMatch(/on nmnist-tiny/);
    expect(trained.stdout).toMatch(/^test accuracy: \d+\.\d\d%$/m);
    rmSync(root, { recursive: true, force: true });
  });

  it('trains the non-spiking twin of a preset with --twin and says so in the run, epoch and summary lines', async () => {
    const { code, stdout } = await stbp('train', '--preset', 'mlp-quick', '--twin', '--epochs', '1', '--limit', '1000', '--test-limit', '300', '--quiet');
    expect(code).toBe(0);
    const id = /^run (\d+): mlp-quick on mnist, non-spiking twin \(batch=\d+ adam lr=0\.001 loss=mse init-gain=1 seed=1\)$/m.exec(stdout)?.[1];
    expect(id, stdout).toBeDefined();
    expect(stdout).toMatch(/^epoch 1: loss \d+\.\d+, train \d+\.\d+%, test \d+\.\d+%, non-spiking twin, active units \d\.\d{3}\/\d\.\d{3}, /m);
    expect(stdout).toMatch(/^network: non-spiking twin \(ReLU, backprop\)$/m);
    expect(Number(/^test accuracy: (\d+\.\d\d)%$/m.exec(stdout)?.[1])).toBeGreaterThan(50); // measured 65% after 10 batches
    expect((await stbp('runs', 'show', id!)).stdout).toMatch(/"network":"twin"/);
  });

  it.each([
    [['train', '--preset', 'nmnist-800'], /preset nmnist-800 takes 2312 inputs per sample \(\[2, 34, 34\]\); dataset mnist gives 784/],
    [['train', '--preset', 'mlp-9000'], /unknown preset "mlp-9000" \(known: cnn-table5, cnn-table6, mlp-400, mlp-800, mlp-quick, nmnist-800\)/],
    [['train', '--preset', 'mlp-quick', '--T', 'abc'], /--T is "abc"; allowed: an integer/],
    [['train', '--preset', 'mlp-quick', '--backend', 'gpu'], /--backend is "gpu"; allowed: auto, wasm, tfjs/],
    [['train', '--preset', 'mlp-quick', '--batch', '0', '--limit', '10'], /batchSize is 0; allowed: an integer from 1/],
    [['train'], /train needs --preset/],
    [['fly'], /unknown command "fly"/],
    [['runs', 'show', '99'], /run 99/],
    [['datasets', 'import', 'csv', '--name', 'x'], /unknown dataset format "csv"|csv/],
  ])('rejects %j with a clear error', async (args, message) => {
    const { code, stderr } = await stbp(...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('distorts training images as the flags say, and names a bad distortion', async () => {
    const { code, stdout } = await stbp('train', '--preset', 'mlp-quick', '--elastic', '--elastic-alpha', '20', '--shift', '2', '--epochs', '1', '--limit', '200', '--test-limit', '100', '--quiet');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^run \d+: mlp-quick on mnist \(.*; elastic a=20 s=4, shift 2\)$/m);
    const bad = await stbp('train', '--preset', 'mlp-quick', '--shift', '100', '--limit', '200');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/augmentation shift: max is 100; allowed: an integer from 0 to 64/);
  });
});
