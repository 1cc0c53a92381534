import { WasmKernels } from '../../../engine/backend/wasm';
import { decodeBundle } from '../../../engine/export/bundle';
import { InferenceModel } from '../../../engine/infer/inference';
import type { LoadedModel, TraceResult, WorkerReply, WorkerRequest } from './infer-protocol';

/** A reply and the buffers to transfer with it. */
export interface Answer {
  reply: WorkerReply;
  transfer: ArrayBuffer[];
}

/**
 * The inference worker's logic without the worker: decodes a bundle, builds the model on one-thread
 * WASM kernels (they load in a browser worker as in Node) and traces samples with the model's own
 * seed, so one drawing always gives one answer. Kept apart from `self` so Node tests run it.
 */
export function createInferenceCore(now: () => number = () => performance.now()): { handle(request: WorkerRequest): Answer } {
  let model: InferenceModel | null = null;
  let seed = 0;

  function load(bundle: ArrayBuffer): LoadedModel {
    const trained = decodeBundle(new Uint8Array(bundle));
    const kernels = new WasmKernels(1);
    let next: InferenceModel;
    try {
      next = new InferenceModel(trained, kernels, 1);
    } catch (cause) {
      kernels.dispose();
      throw cause;
    }
    model?.kernels.dispose();
    model = next;
    seed = trained.provenance.seed;
    return {
      name: trained.name, classes: next.classes, inputSize: next.inputSize, steps: trained.coding.steps,
      network: trained.network, seed, backend: kernels.description,
    };
  }

  function trace(input: Float32Array): TraceResult {
    if (!model) throw new Error('trace: no model is loaded yet; send a bundle first');
    if (input.length !== model.inputSize) {
      throw new Error(`trace: the input has ${input.length} values; allowed: ${model.inputSize} (the model's input layer)`);
    }
    const start = now();
    const result = model.trace(input, seed);
    const layers = result.activity?.layers ?? [];
    const out = layers[layers.length - 1]; // activity() copies out of the WASM memory: these arrays are ours to transfer
    const steps = result.activity?.steps ?? 1;
    const rates = layers.map((l) => l.spikes.reduce((a, b) => a + b, 0) / Math.max(1, l.units * steps));
    return {
      counts: result.counts, predicted: result.predicted, steps,
      outputSpikes: out ? out.spikes : null, outputMembrane: out ? out.membrane : null, vth: out ? out.vth : null,
      rates, ms: now() - start,
    };
  }

  return {
    handle(request) {
      try {
        if (request.kind === 'load') return { reply: { id: request.id, ok: true, value: load(request.bundle) }, transfer: [] };
        const value = trace(request.input);
        const transfer = [value.outputSpikes?.buffer, value.outputMembrane?.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
        return { reply: { id: request.id, ok: true, value }, transfer };
      } catch (cause) {
        return { reply: { id: request.id, ok: false, message: cause instanceof Error ? cause.message : String(cause) }, transfer: [] };
      }
    },
  };
}
