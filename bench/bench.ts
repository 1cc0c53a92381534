// `npm run bench`: STBP training throughput and peak memory of the paper's 784-800-10 MLP per
// backend, next to a PyTorch CPU implementation of the same network when Debian's python3-torch is
// installed. Every case runs in its own process so its peak RSS is its own. Results are printed
// one line per case and written to bench/results.md with the command and the machine.
import { execFileSync, fork } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runCase, type CaseResult, type CaseSpec } from './case';

// Runs as the bundle out/cli/bench.mjs: the project root is two levels up.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      case: { type: 'string' },
      quick: { type: 'boolean' },
      only: { type: 'string' },
      'no-write': { type: 'boolean' },
    },
  });
  if (values.case) {
    // Child mode: run one case and report to the parent.
    const result = await runCase(JSON.parse(values.case) as CaseSpec);
    process.send!(result);
    return;
  }
  const cases: CaseSpec[] = [];
  for (const steps of [30, 8]) {
    cases.push({ backend: 'wasm', threads: 2, steps, batch: 100, hidden: 800, batches: values.quick ? 5 : 30 });
    cases.push({ backend: 'wasm', threads: 1, steps, batch: 100, hidden: 800, batches: values.quick ? 3 : 15 });
    cases.push({ backend: 'tfjs', steps, batch: 100, hidden: 800, batches: values.quick ? 2 : 4 });
  }
  const selected = values.only ? cases.filter((c) => caseName(c).includes(values.only!)) : cases;
  const lines: string[] = [];
  for (const c of selected) {
    const r = await inChild(c);
    const line = `784-${c.hidden}-10 T=${c.steps} B=${c.batch} ${caseName(c)}: ${Math.round(r.samplesPerSecond)} samples/s, peak ${Math.round(r.peakMiB)} MiB  (${r.backend}; ${r.msPerBatch.toFixed(1)} ms/batch)`;
    console.log(line);
    lines.push(line);
  }
  const torch = pytorchLines(values.quick ? 5 : 20);
  for (const l of torch) console.log(l);
  const ratios = ratioLines(lines, torch);
  for (const l of ratios) console.log(l);
  if (!values['no-write'] && !values.only) writeResults([...lines, ...torch], ratios);
}

function caseName(c: CaseSpec): string {
  return c.backend === 'wasm' ? `wasm×${c.threads}` : c.backend;
}

function inChild(c: CaseSpec): Promise<CaseResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--case', JSON.stringify(c)], { stdio: 'inherit' });
    child.once('message', (m) => resolve(m as CaseResult));
    child.once('exit', (code) => code !== 0 && reject(new Error(`bench case ${caseName(c)} exited with ${code}`)));
  });
}

/** The PyTorch reference (bench/pytorch/stbp_mlp.py) under Debian's python3, if torch is there. */
function pytorchLines(steps: number): string[] {
  const script = join(root, 'bench', 'pytorch', 'stbp_mlp.py');
  const python = '/usr/bin/python3';
  try {
    execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    return ['pytorch: not measured (install Debian python3-torch and libopenblas0-openmp, see bench/pytorch/README.md)'];
  }
  return [30, 8].map((T) => {
    // The same network state as ours: eq. 30–31 init × 3, so both run at the same firing rates.
    const args = [script, '--T', String(T), '--batch', '100', '--steps', String(steps), '--threads', '2', '--init', 'paper', '--gain', '3'];
    const out = execFileSync(python, args, { encoding: 'utf8' });
    return out.trim().split('\n').pop()!;
  });
}

/** wasm×2 over PyTorch, per T. */
function ratioLines(ours: string[], torch: string[]): string[] {
  const rate = (lines: string[], re: RegExp) => {
    const line = lines.find((l) => re.test(l));
    const m = line?.match(/: (\d+) samples\/s/);
    return m ? Number(m[1]) : undefined;
  };
  return [30, 8].flatMap((T) => {
    const a = rate(ours, new RegExp(`T=${T} B=100 wasm×2:`));
    const b = rate(torch, new RegExp(`T=${T} B=100:`));
    return a && b ? [`ratio wasm×2 / pytorch at T=${T}: ${(a / b).toFixed(2)}×`] : [];
  });
}

function writeResults(lines: string[], ratios: string[]): void {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const model = readFileSync('/proc/cpuinfo', 'utf8').match(/flags\s*:.*\bavx512f\b/) ? ', AVX-512' : '';
  const md = [
    '# Benchmark results',
    '',
    'Command: `npm run bench` (bench/bench.ts; PyTorch side: bench/pytorch/stbp_mlp.py)',
    `Date: ${new Date().toISOString()}`,
    `Machine: ${cpus().length} × ${cpu}${model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    '',
    'One STBP training step = Bernoulli coding of real MNIST images + forward over T steps + backward + Adam.',
    'Peak is the process peak RSS. These machines are shared and noisy (10–30% run to run): compare ratios.',
    '',
    '```',
    ...lines,
    ...ratios,
    '```',
    '',
  ].join('\n');
  writeFileSync(join(root, 'bench', 'results.md'), md);
  console.log('written: bench/results.md');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
