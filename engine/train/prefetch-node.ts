import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Augmenter } from '../augment/augmenter';
import type { AugmentationConfig, ImageShape } from '../augment/types';
import { EngineError } from '../errors';
import type { BatchPrefetcher } from './prefetch';
import { imageIntensities } from './sources';

/** What the prefetch thread is started with: the images' shape, the run's distortions and seed. */
interface PrefetchInit {
  role: 'stbp-prefetch';
  shape: ImageShape;
  augment: AugmentationConfig[];
  seed: number;
  /** Two slots of maxBatch·inputs f32 each, then the control block. */
  slots: SharedArrayBuffer;
  control: SharedArrayBuffer;
}

/** One request: the batch's images (bytes, in batch order), their dataset indices, the epoch. */
interface PrefetchRequest {
  slot: number;
  seq: number;
  size: number;
  epoch: number;
  indices: Uint32Array;
  pixels: Uint8Array;
}

// Control block: per slot the sequence number of the request it holds once done (0: none yet),
// then an error flag the thread sets before it stops.
const ERROR = 2;
/** A prepared batch takes milliseconds: a thread silent this long has failed. */
const WAIT_LIMIT_MS = 60_000;

/**
 * Starts the prefetch thread: `script` is a module that calls runPrefetchThread() when it finds
 * itself on a worker thread (the training process's own bundle, main/runs/worker.ts). Requests
 * go by message with their images' bytes (a batch of MNIST is 78 KB); results come back in two
 * shared slots, so the training thread, which runs synchronously, waits on them with Atomics.
 */
export function startPrefetchThread(
  script: URL, shape: ImageShape, augment: readonly AugmentationConfig[], seed: number, maxBatch: number,
  pixelsOf: (index: number) => Uint8Array,
): BatchPrefetcher {
  const inputs = shape.rows * shape.cols * shape.channels;
  const slots = new SharedArrayBuffer(2 * maxBatch * inputs * 4);
  const control = new SharedArrayBuffer(4 * 4);
  const ctrl = new Int32Array(control);
  const init: PrefetchInit = { role: 'stbp-prefetch', shape, augment: augment.map((a) => ({ ...a })), seed, slots, control };
  const worker = new Worker(script, { workerData: init });
  worker.unref();
  let seq = 0;
  let pending: { slot: number; seq: number; size: number } | undefined;
  return {
    start(indices, size, epoch) {
      if (size > maxBatch) throw new EngineError('bad-option', `prefetching ${size} samples; allowed: up to ${maxBatch} (the batch size)`);
      const slot = (seq + 1) % 2;
      seq++;
      const pixels = new Uint8Array(size * inputs);
      const ids = new Uint32Array(size);
      for (let b = 0; b < size; b++) {
        ids[b] = indices[b]!;
        pixels.set(pixelsOf(ids[b]!), b * inputs);
      }
      const request: PrefetchRequest = { slot, seq, size, epoch, indices: ids, pixels };
      worker.postMessage(request, [pixels.buffer, ids.buffer]);
      pending = { slot, seq, size };
    },
    finish() {
      if (!pending) throw new EngineError('bad-state', 'no prefetched batch: call start first');
      const { slot, seq: want, size } = pending;
      const started = performance.now();
      while (Atomics.load(ctrl, slot) !== want) {
        if (Atomics.load(ctrl, ERROR) !== 0) throw new EngineError('prefetch-failed', 'the prefetch thread failed preparing a batch (see its error above)');
        if (performance.now() - started > WAIT_LIMIT_MS) throw new EngineError('prefetch-failed', `the prefetch thread sent nothing for ${WAIT_LIMIT_MS / 1000} s`);
        Atomics.wait(ctrl, slot, Atomics.load(ctrl, slot), 100);
      }
      pending = undefined;
      return new Float32Array(slots, slot * maxBatch * inputs * 4, size * inputs);
    },
    dispose() {
      void worker.terminate();
    },
  };
}

/** True on a thread started by startPrefetchThread: the module should call runPrefetchThread. */
export function isPrefetchThread(): boolean {
  return !isMainThread && (workerData as Partial<PrefetchInit> | undefined)?.role === 'stbp-prefetch';
}

/** The prefetch thread's loop: each request's intensities into its slot, then its number into the control block. */
export function runPrefetchThread(): void {
  const init = workerData as PrefetchInit;
  const inputs = init.shape.rows * init.shape.cols * init.shape.channels;
  const maxBatch = init.slots.byteLength / (2 * inputs * 4);
  const ctrl = new Int32Array(init.control);
  const augmenter = init.augment.length ? new Augmenter(init.augment, init.seed) : undefined;
  const scratch = new Uint8Array(inputs);
  parentPort!.on('message', (r: PrefetchRequest) => {
    try {
      const out = new Float32Array(init.slots, r.slot * maxBatch * inputs * 4, r.size * inputs);
      const augment = augmenter && { augmenter, epoch: r.epoch };
      imageIntensities(init.shape, (b) => r.pixels.subarray(b * inputs, (b + 1) * inputs), r.indices, r.size, augment, out, scratch);
      Atomics.store(ctrl, r.slot, r.seq);
    } catch (e) {
      console.error('prefetch thread:', e);
      Atomics.store(ctrl, ERROR, 1);
    }
    Atomics.notify(ctrl, r.slot);
  });
}
