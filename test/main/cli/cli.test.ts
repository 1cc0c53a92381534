import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The CLI as a user runs it: the bundled bin (built by `npm test` / `npm install`).
const bin = fileURLToPath(new URL('../../../bin/stbp.mjs', import.meta.url));
const run = promisify(execFile);

async function stbp(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

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

  it('trains a preset on a real MNIST slice and prints the summary lines scripts read', async () => {
    const { code, stdout } = await stbp('train', '--preset', 'mlp-quick', '--epochs', '1', '--limit', '600', '--test-limit', '200', '--seed', '3');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^epoch 1: loss \d+\.\d+, train \d+\.\d+%, test \d+\.\d+%/m);
    expect(stdout).toMatch(/^test accuracy: \d+\.\d\d%$/m);
    expect(stdout).toMatch(/^throughput: \d+ samples\/s$/m);
    expect(stdout).toMatch(/^backend: wasm-simd ×\d threads?$/m);
  });

  it.each([
    [['train', '--preset', 'mlp-9000'], /unknown preset "mlp-9000" \(known: mlp-400, mlp-800, mlp-quick\)/],
    [['train', '--preset', 'mlp-quick', '--T', 'abc'], /--T is "abc"; allowed: an integer/],
    [['train', '--preset', 'mlp-quick', '--backend', 'gpu'], /--backend is "gpu"; allowed: auto, wasm, tfjs/],
    [['train', '--preset', 'mlp-quick', '--batch', '0', '--limit', '10'], /batchSize is 0; allowed: an integer from 1/],
    [['train'], /train needs --preset/],
    [['fly'], /unknown command "fly"/],
  ])('rejects %j with a clear error', async (args, message) => {
    const { code, stderr } = await stbp(...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
