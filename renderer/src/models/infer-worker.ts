/**
 * "Try it"'s module worker: inference off the UI thread (infer-core.ts does the work). Started by
 * infer-client.ts with `new Worker(new URL('./infer-worker.ts', import.meta.url), { type: 'module' })`.
 */
import { createInferenceCore } from './infer-core';
import type { WorkerRequest } from './infer-protocol';

/** The part of DedicatedWorkerGlobalScope used here (the renderer's types are the DOM's). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;
const core = createInferenceCore();
scope.onmessage = (event) => {
  const { reply, transfer } = core.handle(event.data);
  scope.postMessage(reply, transfer);
};
