import { Worker } from 'node:worker_threads';
import { KERNEL_THREAD_SOURCE, type SpawnKernelThread } from './runtime';

/** Node's side of the thread seam: a worker thread running the kernel job loop. */
export const spawnNodeKernelThread: SpawnKernelThread = (init) => {
  const worker = new Worker(KERNEL_THREAD_SOURCE, { eval: true, workerData: init });
  worker.unref();
  return { terminate: () => void worker.terminate() };
};
