import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// What `stbp train` and `stbp runs` say of a run that did not learn and of one stopped mid-epoch.
const bin = fileURLToPath(new URL('../../../bin/stbp.mjs', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'stbp-cli-state-'));
const env = { ...process.env, STBP_HOME: home };
afterAll(() => rmSync(home, { recursive: true, force: true }));

const stbp = async (...args: string[]) => (await promisify(execFile)(process.execPath, [bin, ...args], { env, maxBuffer: 1 << 24 })).stdout;

describe('the CLI tells a run\'s state', () => {
  it('adds the verdict to the summary of an Adam run at lr 50, beside the status word', async () => {
    // The backend is named, not left to auto: auto times wasm and tfjs on this machine and keeps the faster.
    const out = await stbp('train', '--preset', 'mlp-quick', '--backend', 'wasm', '--lr', '50', '--epochs', '1', '--limit', '1000', '--test-limit', '500', '--quiet', '--name', 'wild');
    expect(out).toMatch(/^run 1 \(wild\): completed$/m);
    expect(out).toMatch(/^verdict: diverged: test accuracy \d+(\.\d)?% \(chance 10%\), membrane up to [\d,]+ \(Vth 1\.5\) in layer \d \(\w+ \d+\)/m);
    expect(await stbp('runs', 'list')).toMatch(/^\s+1\s+wild\s+completed\s+mnist\s+1\/1 epochs\s+\d+\.\d\d%\s+diverged\s+wasm/m);
  });

  it('stops on Ctrl-C with the last weights evaluated, and lists and shows where it stopped', async () => {
    const child = spawn(process.execPath, [bin, 'train', '--preset', 'mlp-quick', '--epochs', '2', '--batch', '10', '--name', 'halted'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/^backend /m.test(out) && !child.killed) setTimeout(() => child.kill('SIGINT'), 1500);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out).toMatch(/^run 2 \(halted\): stopped$/m);
    const stopLine = /^stopped in epoch 1 at batch (\d+) of 6000: test accuracy (\d+\.\d\d)% \(evaluated at the stop\)$/m.exec(out);
    expect(stopLine, out).not.toBeNull();
    expect(out).toContain(`test accuracy: ${stopLine![2]}%`);
    expect(code).toBe(1);
    const batch = Number(stopLine![1]);
    expect(await stbp('runs', 'list')).toMatch(new RegExp(`^\\s+2\\s+halted\\s+stopped\\s+mnist\\s+epoch 1/2: ${batch}/6000 batches`, 'm'));
    const show = await stbp('runs', 'show', '2');
    expect(show).toContain(`  progress   epoch 1 of 2, batch ${batch} of 6000 (${Math.round(batch / 60)}% of the epoch), ${(batch * 10).toLocaleString('en-US')} of 120,000 samples seen`);
    expect(show).toContain(`  stop       stopped in epoch 1 at batch ${batch} of 6000: test accuracy ${stopLine![2]}% (evaluated at the stop)`);
  });
});
