// `npm run bench -- pytorch-job`: training throughput of the exported PyTorch job (engine/export/
// pytorch/) on this machine, one process and two under torchrun (DDP, gloo), next to the engine's
// wasm kernels on the same network, T and batch. The job trains real MNIST images for two short
// epochs; its own metrics give the samples/s of the second (training only, no evaluation, no
// start-up), as the workbench records it for any run.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '../engine/data/idx-encode';
import { loadMnist } from '../engine/data/mnist-node';
import { splitFiles } from '../engine/export/pytorch/data-files';
import { generatePytorchJob } from '../engine/export/pytorch/generate';
import { localTorchrunArgs } from '../engine/export/pytorch/torchrun';
import type { ModelSpec } from '../engine/spec/types';
import { freePort } from '../main/services/jobs-live';
import { runCase } from './case';

export interface JobBenchNet {
  name: string;
  spec: ModelSpec;
  gain: number;
  /** Training images per epoch: enough for a steady rate, few enough for a bench. */
  samples: number;
}

export interface JobBenchResult {
  label: string;
  samplesPerSecond: number;
  detail: string;
}

const BATCH = 100;
const TEST = 100;

/**
 * Measures one network at T: the job with 1 process (2 threads) and 2 processes (1 thread each,
 * torchrun's default), and the engine (wasm, 2 threads). Returns one result per configuration.
 */
export async function benchPytorchJob(python: string, net: JobBenchNet, T: number): Promise<JobBenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'stbp-bench-job-'));
  try {
    await writeJob(dir, net, T);
    const job = (label: string, command: string[], detail: string): JobBenchResult => {
      const out = join(dir, label.replace(/\W+/g, '-'));
      const r = spawnSync(python, [...command, '--out', out], { cwd: dir, encoding: 'utf8', timeout: 3_600_000 });
      if (r.status !== 0) throw new Error(`${label} exited with ${r.status ?? r.signal}:\n${r.stderr}`);
      const epochs = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; samplesPerSecond?: number; device?: string; torch?: string });
      const header = epochs.find((l) => l.type === 'header')!;
      const last = epochs.filter((l) => l.type === 'epoch').at(-1)!;
      return { label: `${net.name} T=${T} B=${BATCH} ${label}`, samplesPerSecond: last.samplesPerSecond!, detail: `torch ${header.torch}, ${header.device}; ${detail}` };
    };
    const results = [
      job('pytorch job ×1 process', ['train.py', '--threads', '2'], `${net.samples} images per epoch, second epoch timed`),
      job('pytorch job ×2 processes (DDP)', [
        ...localTorchrunArgs({ nproc: 2, port: await freePort(), id: `stbp-bench-${process.pid}`, logDir: join(dir, 'logs') }), 'train.py',
      ], `gloo, ${BATCH / 2} samples per process per step, second epoch timed`),
    ];
    const engine = await runCase({ backend: 'wasm', threads: 2, model: net.spec, gain: net.gain, steps: T, batch: BATCH, warmup: 3, batches: T > 10 ? 10 : 20 });
    results.push({ label: `${net.name} T=${T} B=${BATCH} engine wasm×2`, samplesPerSecond: engine.samplesPerSecond, detail: `${engine.backend}; the bench's usual case (bench/case.ts)` });
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The job folder: generated code and the first `samples` MNIST training images as its data. */
async function writeJob(dir: string, net: JobBenchNet, T: number): Promise<void> {
  const { train, test } = await loadMnist({ limitTrain: net.samples, limitTest: TEST });
  const files = generatePytorchJob({
    name: net.name, spec: net.spec,
    settings: { epochs: 2, steps: T, batchSize: BATCH, optimizer: 'adam', lr: 1e-3, loss: 'mse', grad: 'stbp', init: 'paper', initGain: net.gain, seed: 1 },
    dataset: { name: 'mnist', kind: 'image', sampleShape: [1, 28, 28], classes: 10, classNames: [], train: train.count, test: test.count },
    source: { runId: null, datasetId: null, appVersion: 'bench' },
  });
  for (const f of files) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.text);
  }
  for (const [split, ds] of [['train', train], ['test', test]] as const) {
    const names = splitFiles('image', split, 1);
    writeFileSync(join(dir, 'data', names.images!), gzipSync(encodeIdx({ type: 'u8', dims: [ds.count, 28, 28], data: ds.pixels })));
    writeFileSync(join(dir, 'data', names.labels), gzipSync(encodeIdx({ type: 'u8', dims: [ds.count], data: ds.labels })));
  }
}
