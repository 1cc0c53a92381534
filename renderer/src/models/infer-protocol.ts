/**
 * Messages between "Try it" and its inference worker (infer-worker.ts). The model's bundle bytes
 * cross once (`load`); each drawing is one `trace`. Typed arrays travel as transferables.
 */

export interface LoadRequest {
  id: number;
  kind: 'load';
  /** A `.stbp` bundle (engine/export/bundle.ts). */
  bundle: ArrayBuffer;
}

export interface TraceRequest {
  id: number;
  kind: 'trace';
  /** The input layer's intensities in [0, 1], [C, H, W] channel-major. */
  input: Float32Array;
}

export type WorkerRequest = LoadRequest | TraceRequest;

/** What the worker says about the model it loaded. */
export interface LoadedModel {
  name: string;
  classes: number;
  inputSize: number;
  steps: number;
  network: 'spiking' | 'twin';
  /** The seed every trace is coded with (the model's own seed). */
  seed: number;
  /** The kernels it runs on, e.g. `wasm-simd ×1 thread`. */
  backend: string;
}

/** One sample through the model: its prediction and the output layer over the T steps. */
export interface TraceResult {
  /** Output spike counts per class over T (the twin: its scores). */
  counts: number[];
  predicted: number;
  steps: number;
  /** Output spikes, [steps, classes] of 0/1; null for the twin. */
  outputSpikes: Uint8Array | null;
  /** Output membrane potentials u[t] before reset, [steps, classes]; null for the twin. */
  outputMembrane: Float32Array | null;
  /** The output layer's threshold (null for the twin). */
  vth: number | null;
  /** Spikes per neuron per step of each LIF layer, first to output (empty for the twin). */
  rates: number[];
  /** Inference time in the worker. */
  ms: number;
}

export type WorkerReply =
  | { id: number; ok: true; value: LoadedModel | TraceResult }
  | { id: number; ok: false; message: string };
