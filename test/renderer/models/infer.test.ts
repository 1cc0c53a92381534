import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmKernels } from '../../../engine/backend/wasm';
import type { ImageDataset } from '../../../engine/data/dataset';
import { encodeBundle } from '../../../engine/export/bundle';
import { tensorsFromParams, type TrainedModel } from '../../../engine/export/model';
import { InferenceModel } from '../../../engine/infer/inference';
import { inferModel } from '../../../engine/spec/infer';
import type { ModelSpec } from '../../../engine/spec/types';
import { TrainingSession } from '../../../engine/train/session';
import { ImageSource } from '../../../engine/train/sources';
import { InferenceClient, type WorkerLike } from '../../../renderer/src/models/infer-client';
import { createInferenceCore } from '../../../renderer/src/models/infer-core';
import type { LoadedModel, TraceResult, WorkerReply, WorkerRequest } from '../../../renderer/src/models/infer-protocol';
import { drawingInput, sampleInput } from '../../../renderer/src/models/pixels';
import { loadMnistSlice } from '../helpers/mnist';

/**
 * "Try it"'s inference path without the browser: a network trained on an MNIST slice, bundled, loaded
 * by the worker's core, fed real test digits as thumbnails and as drawings ten times their size.
 */
const SPEC: ModelSpec = {
  neuron: { vth: 1.5, tau: 0.1, surrogate: { name: 'rectangular', width: 1 } },
  layers: [
    { className: 'input', config: { shape: [1, 28, 28] } },
    { className: 'flatten' },
    { className: 'dense', config: { units: 64 } },
    { className: 'output', config: { units: 10 } },
  ],
};
const STEPS = 8;
const SEED = 5;
const GREY28 = { channels: 1, height: 28, width: 28 };

let test: ImageDataset;
let model: TrainedModel;
const open: WasmKernels[] = [];

beforeAll(async () => {
  const mnist = await loadMnistSlice(3000, 100);
  test = mnist.test;
  const kernels = new WasmKernels(1);
  open.push(kernels);
  const session = new TrainingSession(SPEC, { epochs: 1, steps: STEPS, batchSize: 50, seed: SEED, initGain: 4, lr: 0.002 }, { train: new ImageSource(mnist.train), test: new ImageSource(test) }, kernels);
  while (!session.epochComplete) session.runBatch();
  model = {
    name: 'try-it test', spec: SPEC, network: 'spiking', coding: { kind: 'bernoulli', steps: STEPS },
    dataset: { name: 'mnist', kind: 'image', sampleShape: [1, 28, 28], classNames: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] },
    provenance: { origin: 'trained', runId: 1, epoch: 1, testAccuracy: null, seed: SEED, backend: kernels.description, settings: null, appVersion: 'test', createdAt: '2026-12-04T00:00:00.000Z' },
    tensors: tensorsFromParams(inferModel(SPEC), session.net.params().map((p) => p.value)),
  };
});
afterAll(() => open.forEach((k) => k.dispose()));

const bundle = (): ArrayBuffer => encodeBundle(model).slice().buffer as ArrayBuffer;
const digit = (i: number): Uint8Array => test.pixels.subarray(i * 784, (i + 1) * 784);
const rgbaOf = (grey: Uint8Array): Uint8Array => {
  const out = new Uint8Array(grey.length * 4);
  grey.forEach((v, i) => out.set([v, v, v, 255], 4 * i));
  return out;
};

function loaded(core: ReturnType<typeof createInferenceCore>): LoadedModel {
  const { reply } = core.handle({ id: 1, kind: 'load', bundle: bundle() });
  if (!reply.ok) throw new Error(reply.message);
  return reply.value as LoadedModel;
}

function traced(core: ReturnType<typeof createInferenceCore>, input: Float32Array): TraceResult {
  const { reply } = core.handle({ id: 2, kind: 'trace', input });
  if (!reply.ok) throw new Error(reply.message);
  return reply.value as TraceResult;
}

describe("the inference worker's core", () => {
  it('loads a bundle and says what it loaded, with the seed every trace is coded with', () => {
    expect(loaded(createInferenceCore())).toEqual({ name: 'try-it test', classes: 10, inputSize: 784, steps: STEPS, network: 'spiking', seed: SEED, backend: 'wasm-simd ×1 thread' });
  });

  it('answers what the engine answers for the same input and seed, and transfers its arrays', () => {
    const core = createInferenceCore();
    loaded(core);
    const input = sampleInput(rgbaOf(digit(0)), 28, 28, GREY28);
    const { reply, transfer } = core.handle({ id: 7, kind: 'trace', input });
    expect(reply).toMatchObject({ id: 7, ok: true });
    const result = (reply as { value: TraceResult }).value;
    const kernels = new WasmKernels(1);
    open.push(kernels);
    const direct = new InferenceModel(model, kernels, 1).trace(input, SEED);
    expect(result.counts).toEqual(direct.counts);
    expect(result.predicted).toBe(direct.predicted);
    const out = direct.activity!.layers.at(-1)!;
    expect(result.outputSpikes).toEqual(out.spikes);
    expect(result.outputMembrane).toEqual(out.membrane);
    expect(result.vth).toBe(1.5);
    expect(transfer).toEqual([result.outputSpikes!.buffer, result.outputMembrane!.buffer]);
    // The same input traces the same again: the seed is fixed.
    expect(traced(core, input).outputSpikes).toEqual(result.outputSpikes);
  });

  it('returns a consistent output layer: counts are the spikes per neuron, a spike is a crossing of Vth', () => {
    const core = createInferenceCore();
    loaded(core);
    const r = traced(core, sampleInput(rgbaOf(digit(1)), 28, 28, GREY28));
    expect(r.steps).toBe(STEPS);
    expect(r.outputSpikes).toHaveLength(STEPS * 10);
    for (let c = 0; c < 10; c++) {
      let spikes = 0;
      for (let t = 0; t < STEPS; t++) {
        const fired = r.outputSpikes![t * 10 + c]!;
        spikes += fired;
        // u[t] is before reset: it reached Vth exactly when the neuron fired.
        expect(r.outputMembrane![t * 10 + c]! >= 1.5, `class ${c}, step ${t}`).toBe(fired === 1);
      }
      expect(r.counts[c]).toBe(spikes);
    }
    expect(r.counts[r.predicted]).toBe(Math.max(...r.counts));
    expect(r.rates).toHaveLength(2);
    expect(r.rates.every((rate) => rate >= 0 && rate <= 1)).toBe(true);
  });

  it('recognises real test digits given as thumbnails, and answers the same for them drawn ten times larger and off-centre', () => {
    const core = createInferenceCore();
    loaded(core);
    let right = 0, same = 0;
    for (let i = 0; i < 100; i++) {
      const thumb = traced(core, sampleInput(rgbaOf(digit(i)), 28, 28, GREY28)).predicted;
      if (thumb === test.labels[i]) right++;
      const pad = new Uint8Array(300 * 300);
      for (let y = 0; y < 280; y++) for (let x = 0; x < 280; x++) pad[(y + 15) * 300 + x + 5] = digit(i)[Math.floor(y / 10) * 28 + Math.floor(x / 10)]!;
      if (traced(core, drawingInput(rgbaOf(pad), 300, 300, GREY28)).predicted === thumb) same++;
    }
    expect(right).toBeGreaterThan(40); // one short epoch, one sample coded over 8 steps: far above chance (10)
    expect(same).toBeGreaterThan(85); // the normalisation gives most drawings back as the very digit
  });

  it('refuses a trace before a model, an input of the wrong size and a file that is not a bundle, as messages', () => {
    const core = createInferenceCore();
    expect(core.handle({ id: 1, kind: 'trace', input: new Float32Array(784) }).reply).toEqual({ id: 1, ok: false, message: expect.stringMatching(/no model is loaded/) });
    expect(core.handle({ id: 2, kind: 'load', bundle: new TextEncoder().encode('{"layers": []}').buffer as ArrayBuffer }).reply).toMatchObject({ id: 2, ok: false, message: expect.stringMatching(/JSON/) });
    loaded(core);
    expect(core.handle({ id: 3, kind: 'trace', input: new Float32Array(100) }).reply).toEqual({ id: 3, ok: false, message: expect.stringMatching(/100 values; allowed: 784/) });
  });
});

/** A worker in this process: the core behind structured clones, answering a tick later, as postMessage does. */
function inProcessWorker(): WorkerLike & { requests: WorkerRequest[]; transfers: Transferable[][]; crash(message: string): void; terminated: boolean } {
  const core = createInferenceCore();
  const worker = {
    onmessage: null as ((event: { data: WorkerReply }) => void) | null,
    onerror: null as ((event: { message?: string }) => void) | null,
    requests: [] as WorkerRequest[],
    transfers: [] as Transferable[][],
    terminated: false,
    postMessage(message: WorkerRequest, transfer: Transferable[]) {
      worker.requests.push(message);
      worker.transfers.push(transfer);
      const copy = structuredClone(message);
      setTimeout(() => worker.onmessage?.({ data: structuredClone(core.handle(copy).reply) }), 0);
    },
    terminate() {
      worker.terminated = true;
    },
    crash(message: string) {
      worker.onerror?.({ message });
    },
  };
  return worker;
}

describe('the inference client', () => {
  it('loads a model, moving the bundle bytes rather than copying them', async () => {
    const worker = inProcessWorker();
    const client = new InferenceClient(worker);
    const bytes = new Uint8Array(bundle());
    await expect(client.load(bytes)).resolves.toMatchObject({ classes: 10, seed: SEED });
    expect(worker.transfers[0]).toEqual([bytes.buffer]);
  });

  it('coalesces live traces: one at a time, and of those asked meanwhile only the newest runs', async () => {
    const worker = inProcessWorker();
    const client = new InferenceClient(worker);
    await client.load(new Uint8Array(bundle()));
    const inputs = [0, 1, 2, 3].map((i) => sampleInput(rgbaOf(digit(i)), 28, 28, GREY28));
    const answers = await Promise.all(inputs.map((input) => client.trace(input)));
    expect(answers[0]).not.toBeNull();
    expect(answers[1]).toBeNull(); // replaced by 2, then 2 by 3, while 0 was running
    expect(answers[2]).toBeNull();
    expect(answers[3]).not.toBeNull();
    const sent = worker.requests.filter((r) => r.kind === 'trace').map((r) => (r as { input: Float32Array }).input);
    expect(sent).toEqual([inputs[0], inputs[3]]);
    const direct = createInferenceCore();
    loaded(direct);
    expect(answers[3]!.counts).toEqual(traced(direct, inputs[3]!).counts);
  });

  it("passes a worker's refusal on as an error", async () => {
    const client = new InferenceClient(inProcessWorker());
    await expect(client.trace(new Float32Array(784))).rejects.toThrow(/no model is loaded/);
  });

  it('fails every waiting and later call once the worker crashes or is stopped', async () => {
    const worker = inProcessWorker();
    const client = new InferenceClient(worker);
    const loading = client.load(new Uint8Array(bundle()));
    worker.crash('out of memory');
    await expect(loading).rejects.toThrow('the inference worker failed: out of memory');
    await expect(client.trace(new Float32Array(784))).rejects.toThrow(/out of memory/);
    const other = new InferenceClient(inProcessWorker());
    other.dispose();
    await expect(other.load(new Uint8Array(bundle()))).rejects.toThrow(/stopped/);
  });
});
