// `npm run bench [-- mlp|cnn|inference|pytorch-job]`: STBP training throughput and peak memory
// per backend of the paper's 784-800-10 MLP (`mlp`) and its Table V spiking CNN,
// 28x28x1-15C5-P2-40C5-P2-300-10 (`cnn`), at T = 30 and T = 8, batch 100, next to a PyTorch CPU
// implementation of the same network in the same run when Debian's python3-torch is installed;
// `inference` times the exported models of both (bench/inference.ts); `pytorch-job`, asked for by
// name, the exported PyTorch job with 1 and 2 processes beside the engine (bench/pytorch-job.ts).
// Each group also times a real `stbp train` slice end to end against its step. `--profile` times
// every kernel call by layer and phase; `--table` writes how the MLP's cost grows with T, batch and
// width. Each case runs `--rounds` times (3), in turns with the others, and its median round
// counts. Every case runs in its own process so its peak RSS is its own. Results are printed one
// line per case (plus a line of detail) and each group run is written to its own section of
// bench/results.md with the command, the date and the machine.
import { execFileSync, fork } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ModelSpec } from '../engine/spec/types';
import { runCase, type CaseResult, type CaseSpec } from './case';
import { inferenceBench, runInferenceCase, type InferenceCase } from './inference';
import { benchPytorchJob } from './pytorch-job';
import { endToEndHome, runEndToEnd, type EndToEndResult, type EndToEndSpec } from './e2e';

// Runs as the bundle out/cli/bench.mjs: the project root is two levels up.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PYTHON = '/usr/bin/python3';
const BATCH = 100;
const STEPS = [30, 8];

/** A backend configuration measured at every T; `batches` and `warmup` may depend on T. */
interface Backend {
  name: string;
  spec: Pick<CaseSpec, 'backend' | 'threads'>;
  batches(T: number, quick: boolean): number;
  warmup?: number;
  /** Said on the case's detail line (e.g. why it times so few steps). */
  note?: string;
}

/** A network and how to bench it: our backends and the PyTorch script of the same network. */
interface Group {
  key: 'mlp' | 'cnn';
  net: string;
  model: ModelSpec;
  gain: number;
  backends: Backend[];
  /** Our backend compared with PyTorch in the ratio lines. */
  reference: string;
  /** Per T, what the reference must reach (issue 13): a ratio to PyTorch and/or samples/s. */
  targets: { T: number; ratio?: number; samplesPerSecond?: number }[];
  /** The backend measured on 1 thread for the 2-thread scaling line, and the scaling it must reach. */
  scaling?: { oneThread: string; target: number };
  torch: { script: string; steps(T: number, quick: boolean): number };
  /** The preset trained end to end (bench/e2e.ts) on `limit` samples, evaluated on `testLimit`. */
  e2e: { preset: string; limit(quick: boolean): number; testLimit(quick: boolean): number };
}

/** End to end must reach this fraction of the step's throughput (issue 13). */
const E2E_TARGET = 0.9;

const neuron = { vth: 1.5, tau: 0.1, surrogate: { name: 'rectangular', width: 1 } };
const cnnPreset = JSON.parse(readFileSync(join(root, 'resources', 'presets', 'cnn-table5.json'), 'utf8')) as {
  spec: ModelSpec;
  train: { initGain: number };
};

const GROUPS: Group[] = [
  {
    key: 'mlp',
    net: '784-800-10',
    model: {
      neuron,
      layers: [
        { className: 'input', config: { shape: [784] } },
        { className: 'dense', config: { units: 800 } },
        { className: 'output', config: { units: 10 } },
      ],
    },
    // The presets' eq. 30–31 init × 3, so PyTorch runs at the same firing rates (--gain 3).
    gain: 3,
    // 2 and 1 threads time the same batches (the same network states, so the same spikes: their
    // ratio is the scaling) and about a second of them: 30 and 15 batches of 5–10 ms were a
    // fifth of a second, within one of this host's slow spells.
    backends: [
      { name: 'wasm×2', spec: { backend: 'wasm', threads: 2 }, batches: (T, q) => (q ? 5 : T > 10 ? 50 : 150) },
      { name: 'wasm×1', spec: { backend: 'wasm', threads: 1 }, batches: (T, q) => (q ? 5 : T > 10 ? 50 : 150) },
      { name: 'tfjs', spec: { backend: 'tfjs' }, batches: (_, q) => (q ? 2 : 4) },
    ],
    reference: 'wasm×2',
    targets: [{ T: 30, samplesPerSecond: 4000 }, { T: 8, samplesPerSecond: 12000 }],
    scaling: { oneThread: 'wasm×1', target: 1.8 },
    torch: { script: 'stbp_mlp.py', steps: (_, q) => (q ? 5 : 20) },
    e2e: { preset: 'mlp-800', limit: (q) => (q ? 6000 : 30000), testLimit: (q) => (q ? 1000 : 5000) },
  },
  {
    key: 'cnn',
    net: 'cnn-table5',
    model: cnnPreset.spec,
    // The preset's own init gain (4: every layer fires at ~0.1); PyTorch gets the same.
    gain: cnnPreset.train.initGain,
    backends: [
      { name: 'wasm', spec: { backend: 'wasm' }, batches: (T, q) => (q ? 2 : T > 10 ? 10 : 20) },
      {
        name: 'tfjs',
        spec: { backend: 'tfjs' },
        batches: (T, q) => (q ? 1 : T > 10 ? 2 : 3),
        warmup: 1,
        note: 'capped: tfjs-wasm convolutions are slow',
      },
      { name: 'auto', spec: { backend: 'auto' }, batches: (T, q) => (q ? 2 : T > 10 ? 10 : 20) },
    ],
    reference: 'wasm',
    targets: [{ T: 30, ratio: 2 }, { T: 8, ratio: 3 }],
    torch: { script: 'stbp_cnn.py', steps: (T, q) => (q ? 2 : T > 10 ? 10 : 20) },
    e2e: { preset: 'cnn-table5', limit: (q) => (q ? 1000 : 12000), testLimit: (q) => (q ? 200 : 2000) },
  },
];

interface Measured {
  label: string;
  name: string;
  T: number;
  samplesPerSecond: number;
  peakMiB: number;
  detail: string;
  /** End-to-end cases: the run's throughput over its STBP steps alone (same weights, same spikes). */
  ownStepSamplesPerSecond?: number;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      case: { type: 'string' },
      'inference-case': { type: 'string' },
      e2e: { type: 'string' },
      quick: { type: 'boolean' },
      only: { type: 'string' },
      'no-write': { type: 'boolean' },
      profile: { type: 'boolean' },
      table: { type: 'boolean' },
      rounds: { type: 'string' },
    },
  });
  if (values.case || values.e2e) {
    // Child mode: run one case and report to the parent.
    const result = values.case ? await runCase(JSON.parse(values.case) as CaseSpec) : await runEndToEnd(JSON.parse(values.e2e!) as EndToEndSpec);
    process.send!(result);
    return;
  }
  if (values['inference-case']) {
    process.send!(await runInferenceCase(JSON.parse(values['inference-case']) as InferenceCase));
    return;
  }
  const extra = ['inference', 'pytorch-job'];
  const unknown = positionals.filter((p) => !extra.includes(p) && !GROUPS.some((g) => g.key === p));
  if (unknown.length) throw new Error(`unknown bench group ${unknown.join(', ')}; allowed: ${[...GROUPS.map((g) => g.key), ...extra].join(', ')}`);
  const groups = positionals.length ? GROUPS.filter((g) => positionals.includes(g.key)) : GROUPS;
  const quick = values.quick ?? false;
  if (values.profile) {
    await profile(groups, quick);
    return;
  }
  if (values.table) {
    const lines = await scalingTable(GROUPS.find((g) => g.key === 'mlp')!, quick);
    if (!values['no-write']) writeTable(lines, loadavg()[0]!);
    return;
  }
  const torch = pytorchVersion();
  const load = loadavg()[0]!;
  // Other work on the machine shows up directly in the numbers (PyTorch's libgomp collapses 10–40×).
  if (load > 0.5) console.log(`note: load average ${load.toFixed(2)} before the bench: other processes are running`);
  if (!positionals.length || positionals.includes('inference')) {
    const lines = await inferenceBench(inferenceCases(quick));
    if (!values['no-write']) writeSection('inference', 'bench/inference.ts', lines, torch, positionals, load);
  }
  if (positionals.includes('pytorch-job')) {
    if (!torch.ok) throw new Error(torch.line);
    const lines = await pytorchJobBench(quick);
    if (!values['no-write']) writeSection('pytorch-job', 'bench/pytorch-job.ts', lines, torch, positionals, load);
  }
  const rounds = Number(values.rounds ?? 3);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds ${values.rounds}; allowed: a whole number ≥ 1`);
  for (const group of groups) {
    const results: Measured[] = [];
    for (const T of STEPS) {
      // Every case once a round, in the same order, PyTorch last: a slow spell of a shared host hits
      // one round of each case, not all of one, and the median of each case sets its figures.
      const byCase = new Map<string, Measured[]>();
      for (let round = 1; round <= rounds; round++) {
        for (const m of await measureRound(group, T, quick, torch, values.only)) {
          console.log(`${m.label}: ${Math.round(m.samplesPerSecond)} samples/s${peak(m)}${rounds > 1 ? ` (round ${round} of ${rounds})` : ''}`);
          console.log(`  ${m.detail}`);
          byCase.set(m.label, [...(byCase.get(m.label) ?? []), m]);
        }
      }
      results.push(...[...byCase.values()].map(median));
    }
    if (rounds > 1) for (const m of results) console.log(`median: ${m.label}: ${Math.round(m.samplesPerSecond)} samples/s${peak(m)}`);
    if (!torch.ok) console.log(torch.line);
    const ratios = [...ratioLines(group, results, load), ...targetLines(group, results)];
    for (const l of ratios) console.log(l);
    if (!values['no-write'] && !values.only) {
      const lines = results.flatMap((m) => [`${m.label}: ${Math.round(m.samplesPerSecond)} samples/s${peak(m)}`, `  ${m.detail}`]);
      writeSection(group.net, `bench/bench.ts; PyTorch side: bench/pytorch/${group.torch.script}`, [...lines, ...(torch.ok ? [] : [torch.line]), ...ratios], torch, positionals, load);
    }
  }
}

/** One round at T: each of the group's backends, its end-to-end run, then PyTorch (never alongside ours: libgomp spin-waits). */
async function measureRound(group: Group, T: number, quick: boolean, torch: Torch, only: string | undefined): Promise<Measured[]> {
  const got: Measured[] = [];
  for (const b of group.backends) {
    const label = `${group.net} T=${T} B=${BATCH} ${b.name}`;
    if (only && !label.includes(only)) continue;
    const spec: CaseSpec = {
      ...b.spec, model: group.model, gain: group.gain, steps: T, batch: BATCH,
      warmup: b.warmup ?? 3, batches: b.batches(T, quick),
    };
    const r = await inChild(spec, label);
    const detail = [
      `${r.backend}; ${r.msPerBatch.toFixed(1)} ms/batch over ${spec.batches} timed steps after ${spec.warmup} warm-up`,
      `firing rates ${rates(r.firingRates)}`,
      ...(b.note ? [b.note] : []),
    ].join('; ');
    got.push({ label, name: b.name, T, samplesPerSecond: r.samplesPerSecond, peakMiB: r.peakMiB, detail });
  }
  const e2eLabel = `${group.net} T=${T} end to end`;
  if (!only || e2eLabel.includes(only)) {
    const e2e: EndToEndSpec = {
      preset: group.e2e.preset, steps: T, limit: group.e2e.limit(quick), testLimit: group.e2e.testLimit(quick), home: endToEndHome(root),
    };
    const r = await inChild<EndToEndResult>(['--e2e', JSON.stringify(e2e)], e2eLabel);
    got.push({
      label: e2eLabel, name: 'e2e', T, samplesPerSecond: r.samplesPerSecond, peakMiB: NaN,
      detail: [
        `stbp train --preset ${e2e.preset} --epochs 1 --T ${T} --limit ${e2e.limit} --test-limit ${e2e.testLimit} (distortions: ${r.augment}); ${r.backend}`,
        `${r.seconds.toFixed(1)} s from start to epoch-end checkpoint: its STBP steps ${r.stepSeconds.toFixed(1)} s (${Math.round(e2e.limit / r.stepSeconds)} samples/s), `
          + `data for them ${(r.batchSeconds - r.stepSeconds).toFixed(1)} s, between batches (metric messages, live probes) ${(r.seconds - r.batchSeconds - r.epochEndSeconds).toFixed(1)} s, `
          + `after the last batch (evaluation, probes, checkpoint) ${r.epochEndSeconds.toFixed(1)} s`,
        `firing rates over its batches ${rates(r.firingRates)}`,
      ].join('; '),
      ownStepSamplesPerSecond: e2e.limit / r.stepSeconds,
    });
  }
  if (torch.ok && (!only || 'pytorch'.includes(only))) got.push(pytorchCase(group, T, quick));
  return got;
}

/** A case's median round (the lower middle one for an even count), its detail naming every round's figure. */
function median(rounds: Measured[]): Measured {
  const sorted = rounds.slice().sort((a, b) => a.samplesPerSecond - b.samplesPerSecond);
  const m = sorted[Math.floor((sorted.length - 1) / 2)]!;
  if (rounds.length === 1) return m;
  return { ...m, detail: `${m.detail}; median of ${rounds.length} rounds: ${rounds.map((r) => Math.round(r.samplesPerSecond)).join(' / ')} samples/s` };
}

/**
 * `--profile`: where a training step's time goes, per kernel call site (layer and phase), for each
 * group's reference backend at every T. Printed only: timings under load mislead, so the figures
 * for bench/results.md are taken by hand on a quiet machine.
 */
async function profile(groups: Group[], quick: boolean): Promise<void> {
  for (const group of groups) {
    const b = group.backends.find((x) => x.name === group.reference)!;
    for (const T of STEPS) {
      const spec: CaseSpec = {
        ...b.spec, model: group.model, gain: group.gain, steps: T, batch: BATCH, warmup: b.warmup ?? 3, batches: b.batches(T, quick), profile: true,
      };
      const r = await inChild(spec, `${group.net} T=${T} profile`);
      console.log(`${group.net} T=${T} B=${BATCH} ${b.name} (${r.backend}): ${r.msPerBatch.toFixed(1)} ms/batch, load average ${loadavg()[0]!.toFixed(2)}`);
      for (const l of r.profile!) {
        console.log(`  ${l.ms.toFixed(2).padStart(8)} ms ${((100 * l.ms) / r.msPerBatch).toFixed(1).padStart(5)}%  ${l.site}${l.calls !== 1 ? ` (×${l.calls})` : ''}`);
      }
    }
  }
}

/**
 * `--table`: how a 784-H-10 step's cost grows with T, batch and hidden width H, on wasm (2 and 1
 * threads) and, where its script takes the same settings, PyTorch: where the event-driven kernels
 * pay off and where they do not. One row per setting, each in its own process.
 */
async function scalingTable(group: Group, quick: boolean): Promise<string[]> {
  const rows: { T: number; batch: number; hidden: number; what: string }[] = [
    ...[8, 16, 30, 60].map((T) => ({ T, batch: BATCH, hidden: 800, what: 'T' })),
    ...[1, 16].map((batch) => ({ T: 30, batch, hidden: 800, what: 'batch' })),
    ...[400, 2000].map((hidden) => ({ T: 30, batch: BATCH, hidden, what: 'hidden' })),
  ];
  const lines = [
    '| T | batch | hidden | wasm ×2 | wasm ×1 | ×2 / ×1 | PyTorch ×2 | wasm ×2 / PyTorch |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  console.log(lines.join('\n'));
  for (const r of rows) {
    const model: ModelSpec = {
      ...group.model,
      layers: group.model.layers.map((l) => (l.className === 'dense' ? { ...l, config: { ...l.config, units: r.hidden } } : l)),
    } as ModelSpec;
    // Enough timed samples for a steady figure: fewer steps for long windows and big batches.
    const batches = Math.max(quick ? 2 : 5, Math.round((quick ? 3000 : 15000) / (r.batch * r.T)));
    const time = (threads: number) => inChild({ backend: 'wasm', threads, model, gain: group.gain, steps: r.T, batch: r.batch, warmup: 3, batches }, `table ${r.what}`);
    const two = await time(2);
    const one = await time(1);
    const torch = r.hidden === 800 && pytorchVersion().ok ? pytorchCase(group, r.T, quick, r.batch) : undefined;
    const cell = (x: CaseResult | Measured) => `${Math.round(x.samplesPerSecond)} (${((1000 * r.batch) / x.samplesPerSecond).toFixed(1)} ms)`;
    const line = `| ${r.T} | ${r.batch} | ${r.hidden} | ${cell(two)} | ${cell(one)} | ${(two.samplesPerSecond / one.samplesPerSecond).toFixed(2)}× | ${torch ? cell(torch) : '—'} | ${torch ? `${(two.samplesPerSecond / torch.samplesPerSecond).toFixed(2)}×` : '—'} |`;
    console.log(line);
    lines.push(line);
  }
  return lines;
}

/** The scaling table as its own section of bench/results.md. */
function writeTable(lines: string[], load: number): void {
  writeSection('784-H-10 scaling', 'bench/bench.ts; PyTorch side: bench/pytorch/stbp_mlp.py', [
    'samples/s (ms per batch); one process per cell; PyTorch only at H = 800 (its script has no width option).',
    '', ...lines,
  ], pytorchVersion(), ['mlp', '--table'], load, false);
}

function rates(r: number[]): string {
  return r.map((x) => x.toFixed(3)).join(' / ');
}

function peak(m: Measured): string {
  return Number.isFinite(m.peakMiB) ? `, peak ${Math.round(m.peakMiB)} MiB` : '';
}

function inChild<R = CaseResult>(args: CaseSpec | string[], label: string): Promise<R> {
  const argv = Array.isArray(args) ? args : ['--case', JSON.stringify(args)];
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), argv, { stdio: 'inherit' });
    child.once('message', (m) => resolve(m as R));
    child.once('exit', (code) => code !== 0 && reject(new Error(`bench case ${label} exited with ${code}`)));
  });
}

type Torch = { ok: true; version: string; blas: string } | { ok: false; line: string };

/** Whether Debian's python3 has torch; if not, the line that says so and why. */
function pytorchVersion(): Torch {
  const how = 'install Debian python3-torch and libopenblas0-openmp, see bench/pytorch/README.md';
  if (!existsSync(PYTHON)) return { ok: false, line: `pytorch: unavailable (no ${PYTHON}); ${how}` };
  try {
    const version = execFileSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    return { ok: true, version, blas: blasName() };
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? e).trim().split('\n').pop();
    return { ok: false, line: `pytorch: unavailable (${PYTHON} -c 'import torch': ${stderr}); ${how}` };
  }
}

/** Debian's torch calls whichever libblas.so.3 is selected: OpenBLAS, or ~30× slower reference BLAS. */
function blasName(): string {
  try {
    const lib = realpathSync('/usr/lib/x86_64-linux-gnu/libblas.so.3');
    return lib.includes('openblas') ? `OpenBLAS (${lib.split('/').at(-2)})` : `reference BLAS (${lib}): expect it ~30× slow`;
  } catch {
    return 'BLAS unknown';
  }
}

/** The PyTorch script of the group's network at T, in its own process, at the same init. */
function pytorchCase(group: Group, T: number, quick: boolean, batch = BATCH): Measured {
  const script = join(root, 'bench', 'pytorch', group.torch.script);
  const steps = group.torch.steps(T, quick);
  const args = [script, '--T', String(T), '--batch', String(batch), '--steps', String(steps), '--threads', '2', '--init', 'paper', '--gain', String(group.gain), '--json'];
  const j = JSON.parse(execFileSync(PYTHON, args, { encoding: 'utf8' }).trim().split('\n').pop()!) as {
    samples_per_s: number; peak_mib: number; torch: string; threads: number; layer_rates?: number[]; hidden_rate?: number; out_rate?: number;
  };
  const layerRates = j.layer_rates ?? [j.hidden_rate!, j.out_rate!];
  return {
    label: `${group.net} T=${T} B=${batch} pytorch`, name: 'pytorch', T, samplesPerSecond: j.samples_per_s, peakMiB: j.peak_mib,
    detail: `torch ${j.torch} CPU, ${j.threads} threads; ${steps} timed steps; --init paper --gain ${group.gain}; firing rates ${rates(layerRates)}`,
  };
}

/**
 * The reference backend over PyTorch, per T, and whether the group's target is met. With other
 * work on the machine PyTorch's 2 threads spin-wait at every barrier and collapse 10–40× (ours
 * slow down ~2×), so a ratio measured under load is flagged as overstated.
 */
function ratioLines(group: Group, results: Measured[], load: number): string[] {
  const caveat = load > 1 ? `; load average ${load.toFixed(2)} at the start: PyTorch collapses under load, this overstates the ratio` : '';
  return STEPS.flatMap((T) => {
    const ours = results.find((m) => m.T === T && m.name === group.reference);
    const torch = results.find((m) => m.T === T && m.name === 'pytorch');
    if (!ours || !torch) return [];
    const ratio = ours.samplesPerSecond / torch.samplesPerSecond;
    const t = group.targets.find((x) => x.T === T && x.ratio !== undefined);
    const verdict = t ? ` (target ≥ ${t.ratio}×: ${ratio >= t.ratio! ? 'met' : 'NOT met'})` : '';
    return [`ratio ${group.net} T=${T} ${group.reference} / pytorch: ${ratio.toFixed(2)}×${verdict}${caveat}`];
  });
}

/** The exported models of the paper's two networks, at both T, on the backends `auto` may take. */
function inferenceCases(quick: boolean): InferenceCase[] {
  const mlp = GROUPS.find((g) => g.key === 'mlp')!;
  const cnn = GROUPS.find((g) => g.key === 'cnn')!;
  return STEPS.flatMap((T) => [
    { net: mlp.net, model: mlp.model, gain: mlp.gain, steps: T, backend: 'wasm' as const, threads: 2, batches: quick ? 5 : 50, singles: quick ? 10 : 100 },
    { net: mlp.net, model: mlp.model, gain: mlp.gain, steps: T, backend: 'wasm' as const, threads: 1, batches: quick ? 5 : 30, singles: quick ? 10 : 100 },
    { net: cnn.net, model: cnn.model, gain: cnn.gain, steps: T, backend: 'wasm' as const, threads: 2, batches: quick ? 2 : T > 10 ? 10 : 30, singles: quick ? 5 : 50 },
  ]);
}

/**
 * The exported PyTorch job of both networks at both T, with 1 and 2 processes, beside the engine
 * (only when asked: it trains two short epochs per case).
 */
async function pytorchJobBench(quick: boolean): Promise<string[]> {
  const mlp = GROUPS.find((g) => g.key === 'mlp')!;
  const cnn = GROUPS.find((g) => g.key === 'cnn')!;
  const lines: string[] = [];
  for (const T of STEPS) {
    for (const net of [
      { name: mlp.net, spec: mlp.model, gain: mlp.gain, samples: quick ? 1000 : 6000 },
      { name: cnn.net, spec: cnn.model, gain: cnn.gain, samples: quick ? 200 : 1000 },
    ]) {
      for (const r of await benchPytorchJob(PYTHON, net, T)) {
        const line = `${r.label}: ${Math.round(r.samplesPerSecond)} samples/s`;
        console.log(`${line}\n  ${r.detail}`);
        lines.push(line, `  ${r.detail}`);
      }
    }
  }
  return lines;
}

/** The group's absolute targets, its 2-thread scaling and end to end against the step, per T, each with its verdict. */
function targetLines(group: Group, results: Measured[]): string[] {
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  return STEPS.flatMap((T) => {
    const ours = results.find((m) => m.T === T && m.name === group.reference);
    if (!ours) return [];
    const lines: string[] = [];
    const t = group.targets.find((x) => x.T === T && x.samplesPerSecond !== undefined);
    if (t) lines.push(`${group.net} T=${T} ${group.reference}: ${Math.round(ours.samplesPerSecond)} samples/s (target ≥ ${t.samplesPerSecond}: ${verdict(ours.samplesPerSecond >= t.samplesPerSecond!)})`);
    const one = group.scaling && results.find((m) => m.T === T && m.name === group.scaling!.oneThread);
    if (one) {
      const x = ours.samplesPerSecond / one.samplesPerSecond;
      lines.push(`scaling ${group.net} T=${T} ${group.reference} / ${one.name}: ${x.toFixed(2)}× (target ≥ ${group.scaling!.target}×: ${verdict(x >= group.scaling!.target)})`);
    }
    const e2e = results.find((m) => m.T === T && m.name === 'e2e');
    if (e2e) {
      const f = e2e.samplesPerSecond / ours.samplesPerSecond;
      lines.push(`end to end ${group.net} T=${T} / ${group.reference} step: ${(100 * f).toFixed(0)}% (target ≥ ${100 * E2E_TARGET}%: ${verdict(f >= E2E_TARGET)})`);
      if (e2e.ownStepSamplesPerSecond) {
        const own = e2e.samplesPerSecond / e2e.ownStepSamplesPerSecond;
        lines.push(`end to end ${group.net} T=${T} / the run's own steps (same weights and spikes): ${(100 * own).toFixed(0)}% (target ≥ ${100 * E2E_TARGET}%: ${verdict(own >= E2E_TARGET)})`);
      }
    }
    return lines;
  });
}

/** Replace a section of bench/results.md (its `## <heading>` line up to the next heading). */
function writeSection(name: string, source: string, lines: string[], torch: Torch, positionals: string[], load: number, fenced = true): void {
  const file = join(root, 'bench', 'results.md');
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const avx = readFileSync('/proc/cpuinfo', 'utf8').match(/flags\s*:.*\bavx512f\b/) ? ', AVX-512' : '';
  const torchText = torch.ok ? `, torch ${torch.version} with ${torch.blas}` : ', no PyTorch';
  const command = `npm run bench${positionals.length ? ` -- ${positionals.join(' ')}` : ''}`;
  const heading = `## ${name}`;
  const section = [
    heading,
    '',
    `Command: \`${command}\` (${source})`,
    `Date: ${new Date().toISOString()}`,
    `Machine: ${cpus().length} × ${cpu}${avx}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}${torchText}; load average ${load.toFixed(2)} at the start`,
    '',
    ...(fenced ? ['```', ...lines, '```'] : lines),
    '',
  ].join('\n');
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const parts = old.split(/^(?=## )/m);
  const at = parts.findIndex((p) => p.split('\n')[0] === heading);
  if (at >= 0) parts[at] = section;
  else parts.push((parts.at(-1)?.endsWith('\n\n') ? '' : '\n') + section);
  writeFileSync(file, parts.join('').trimEnd() + '\n');
  console.log(`written: bench/results.md (${heading})`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
