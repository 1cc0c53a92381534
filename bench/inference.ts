// `npm run bench -- inference`: how fast an exported model runs. The paper's 784-800-10 and its
// Table V CNN are saved as bundles (eq. 30–31 weights × the presets' gain, so they fire at their
// training rates), read back and run by the engine's InferenceModel on real MNIST test images:
// throughput at batch 100 (Bernoulli coding, forward pass, counts, predictions) and the latency of
// one image (the "Try it" trace: spikes and potentials of every layer). Each case runs in its own
// process, so its peak RSS is its own.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createNodeKernels } from '../engine/backend/backends-node';
import { loadMnist } from '../engine/data/mnist-node';
import { decodeBundle, encodeBundle } from '../engine/export/bundle';
import { tensorsFromParams, type TrainedModel } from '../engine/export/model';
import { evaluationRng } from '../engine/infer/evaluate';
import { InferenceModel } from '../engine/infer/inference';
import { SpikingNetwork } from '../engine/model/network';
import { Rng } from '../engine/rng';
import { inferModel } from '../engine/spec/infer';
import type { ModelSpec } from '../engine/spec/types';

export interface InferenceCase {
  net: string;
  model: ModelSpec;
  gain: number;
  steps: number;
  backend: 'wasm' | 'tfjs';
  threads?: number;
  /** Timed batches of 100 images, and single images for the latency. */
  batches: number;
  singles: number;
}

export interface InferenceResult {
  backend: string;
  samplesPerSecond: number;
  /** Median milliseconds of one image's trace (batch 1). */
  latencyMs: number;
  peakMiB: number;
  bundleBytes: number;
}

const BATCH = 100;

/** A model of the network with initial weights, through a bundle and back: what an export gives. */
function exportedModel(c: InferenceCase, kernels: Awaited<ReturnType<typeof createNodeKernels>>): TrainedModel {
  const plan = inferModel(c.model);
  const net = new SpikingNetwork(plan, kernels, c.steps, 1);
  net.init('paper', new Rng(1), c.gain);
  const model: TrainedModel = {
    name: c.net, spec: c.model, network: 'spiking', coding: { kind: 'bernoulli', steps: c.steps },
    dataset: { name: 'mnist', kind: 'image', sampleShape: [1, 28, 28], classNames: [...'0123456789'] },
    provenance: {
      origin: 'trained', runId: null, epoch: null, testAccuracy: null, seed: 1, backend: kernels.description, settings: null,
      appVersion: 'bench', createdAt: new Date().toISOString(),
    },
    tensors: tensorsFromParams(plan, net.params().map((p) => p.value)),
  };
  return model;
}

export async function runInferenceCase(c: InferenceCase): Promise<InferenceResult> {
  const kernels = await createNodeKernels(c.backend, { threads: c.threads });
  const bundle = encodeBundle(exportedModel(c, kernels));
  const model = new InferenceModel(decodeBundle(bundle), kernels, BATCH);
  const single = new InferenceModel(decodeBundle(bundle), kernels, 1);
  const { test } = await loadMnist({ limitTrain: 0, limitTest: 1000 });
  const n = model.inputSize;
  const images = Float32Array.from(test.pixels, (p) => p / 255);
  const batch = (i: number) => images.subarray(((i * BATCH) % test.count) * n, (((i * BATCH) % test.count) + BATCH) * n);
  const rng = evaluationRng(1);
  for (let i = 0; i < 2; i++) model.predictIntensities(batch(i), BATCH, rng);
  const start = performance.now();
  for (let i = 0; i < c.batches; i++) model.predictIntensities(batch(i), BATCH, rng);
  const seconds = (performance.now() - start) / 1000;
  const times: number[] = [];
  for (let i = 0; i < c.singles + 3; i++) {
    const t = performance.now();
    single.trace(images.subarray(i * n, (i + 1) * n), i);
    if (i >= 3) times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const result = {
    backend: kernels.description,
    samplesPerSecond: (c.batches * BATCH) / seconds,
    latencyMs: times[Math.floor(times.length / 2)]!,
    peakMiB: process.resourceUsage().maxRSS / 1024,
    bundleBytes: bundle.length,
  };
  kernels.dispose();
  return result;
}

/** The lines of the inference group: every case in its own child process (`bench.mjs --inference-case`). */
export async function inferenceBench(cases: InferenceCase[]): Promise<string[]> {
  const lines: string[] = [];
  for (const c of cases) {
    const r = await new Promise<InferenceResult>((resolve, reject) => {
      const child = fork(fileURLToPath(import.meta.url), ['--inference-case', JSON.stringify(c)], { stdio: 'inherit' });
      child.once('message', (m) => resolve(m as InferenceResult));
      child.once('exit', (code) => code !== 0 && reject(new Error(`inference case ${c.net} T=${c.steps} exited with ${code}`)));
    });
    const label = `inference ${c.net} T=${c.steps} ${c.backend}${c.threads ? `×${c.threads}` : ''}`;
    const line = `${label}: ${Math.round(r.samplesPerSecond)} samples/s at batch ${BATCH}, ${r.latencyMs.toFixed(2)} ms per image at batch 1 (trace), peak ${Math.round(r.peakMiB)} MiB`;
    console.log(line);
    console.log(`  ${r.backend}; ${c.batches} timed batches, median of ${c.singles} single images; bundle ${(r.bundleBytes / 2 ** 20).toFixed(2)} MiB`);
    lines.push(line, `  ${r.backend}; ${c.batches} timed batches, median of ${c.singles} single images; bundle ${(r.bundleBytes / 2 ** 20).toFixed(2)} MiB`);
  }
  return lines;
}
