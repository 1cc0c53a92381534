import type { LoadedModel, TraceResult, WorkerReply, WorkerRequest } from './infer-protocol';

/** The part of a Worker the client uses, so tests can hand in one that runs in-process. */
export interface WorkerLike {
  onmessage: ((event: { data: WorkerReply }) => void) | null;
  onerror: ((event: { message?: string }) => void) | null;
  postMessage(message: WorkerRequest, transfer: Transferable[]): void;
  terminate(): void;
}

/** The module worker as Vite bundles it (a file of its own in the build, same origin). */
export function startInferenceWorker(): WorkerLike {
  return new Worker(new URL('./infer-worker.ts', import.meta.url), { type: 'module', name: 'stbp-inference' }) as unknown as WorkerLike;
}

interface Waiting {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * Talks to the inference worker. Traces are coalesced for live drawing: one is computed at a time,
 * and of those asked for meanwhile only the newest is sent next; the ones it replaces answer null.
 */
export class InferenceClient {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private tracing = false;
  private queued: { input: Float32Array; resolve(value: TraceResult | null): void; reject(error: Error): void } | null = null;
  private failure: Error | null = null;

  constructor(private readonly worker: WorkerLike) {
    worker.onmessage = (event) => this.receive(event.data);
    worker.onerror = (event) => this.fail(new Error(`the inference worker failed${event.message ? `: ${event.message}` : ''}`));
  }

  /** Sends a model's bundle (the bytes are moved to the worker, not copied). */
  load(bundle: Uint8Array): Promise<LoadedModel> {
    const buffer = bundle.byteOffset === 0 && bundle.byteLength === bundle.buffer.byteLength ? bundle.buffer : bundle.slice().buffer;
    return this.send({ id: this.nextId++, kind: 'load', bundle: buffer as ArrayBuffer }, [buffer as ArrayBuffer]) as Promise<LoadedModel>;
  }

  /** The model's answer for one input, or null when a newer input replaced this one before it ran. */
  trace(input: Float32Array): Promise<TraceResult | null> {
    if (!this.tracing) return this.run(input);
    this.queued?.resolve(null);
    return new Promise((resolve, reject) => {
      this.queued = { input, resolve, reject };
    });
  }

  dispose(): void {
    this.fail(new Error('the inference worker was stopped'));
    this.worker.terminate();
  }

  private async run(input: Float32Array): Promise<TraceResult> {
    this.tracing = true;
    try {
      return (await this.send({ id: this.nextId++, kind: 'trace', input }, [])) as TraceResult;
    } finally {
      this.tracing = false;
      const next = this.queued;
      this.queued = null;
      if (next) this.run(next.input).then(next.resolve, next.reject);
    }
  }

  private send(request: WorkerRequest, transfer: ArrayBuffer[]): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.set(request.id, { resolve, reject });
      this.worker.postMessage(request, transfer);
    });
  }

  private receive(reply: WorkerReply): void {
    const waiting = this.waiting.get(reply.id);
    if (!waiting) return;
    this.waiting.delete(reply.id);
    if (reply.ok) waiting.resolve(reply.value);
    else waiting.reject(new Error(reply.message));
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
    this.queued?.reject(error);
    this.queued = null;
  }
}
