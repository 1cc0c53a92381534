// The training process: one per run (child_process.fork in Node, Electron's utilityProcess in the
// app). It reads the run and its dataset from the store read-only, trains with the engine, and
// streams typed messages back; the main side records them. Never imported by the main process.
import { nodeFactories } from '../../engine/backend/backends-node';
import { chooseKernels } from '../../engine/train/auto-backend';
import { withDefaults } from '../../engine/train/options';
import { EngineError } from '../../engine/errors';
import type { BackendFamily, Kernels } from '../../engine/backend/types';
import { TrainingSession, type TrainData } from '../../engine/train/session';
import { ImageSource } from '../../engine/train/sources';
import { isPrefetchThread, runPrefetchThread, startPrefetchThread } from '../../engine/train/prefetch-node';
import type { BatchPrefetcher } from '../../engine/train/prefetch';
import type { ModelSpec } from '../../engine/spec/types';
import { openStore, type Store } from '../store/db';
import { latestCheckpoint } from '../store/checkpoints';
import { requireRun } from '../store/runs';
import { loadSource } from '../services/datasets';
import { parentChannel, type ParentChannel } from './channel';
import type { FromTrainer, RunHyper, ToTrainer } from './messages';

/** Backend families, as the descriptions they report begin ('wasm-simd ×2 threads', 'tfjs (wasm)'). */
const BACKEND_FAMILIES: readonly BackendFamily[] = ['wasm', 'tfjs'];

/** The sample whose spikes and potentials are recorded each epoch (paper Fig. 4c/4d). */
const PROBE_SAMPLE = 0;

let request: 'pause' | 'stop' | undefined;

/** Opened by main(): the prefetch thread, which runs this module too, has no channel. */
let channel: ParentChannel;

function send(message: FromTrainer): Promise<void> {
  return channel.send(message);
}

async function run({ runId, storeFile, resume, nativeBinding }: Extract<ToTrainer, { type: 'start' }>): Promise<void> {
  const store = openStore({ file: storeFile, readonly: true, nativeBinding });
  let kernels: Kernels | undefined;
  let prefetcher: BatchPrefetcher | undefined;
  try {
    const row = requireRun(store, runId);
    const hyper = row.hyper as RunHyper;
    const data = loadData(store, row.datasetId, hyper);
    const checkpoint = resume ? latestCheckpoint(store, runId) : undefined;
    if (resume && !checkpoint) throw new EngineError('no-checkpoint', `run ${runId} has no checkpoint to resume from; start it again instead`);
    const resumeOn = checkpoint ? (BACKEND_FAMILIES.find((f) => row.backendUsed?.startsWith(f)) ?? undefined) : undefined;
    const chosen = await chooseKernels(
      row.backendRequested, nodeFactories({ threads: hyper.threads }), row.spec as ModelSpec, withDefaults({ ...hyper, seed: row.seed }), resumeOn,
    );
    kernels = chosen.kernels;
    const session = checkpoint
      ? TrainingSession.fromCheckpoint(checkpoint.state, data, kernels)
      : new TrainingSession(row.spec as ModelSpec, { ...hyper, seed: row.seed }, data, kernels);
    store.close(); // everything is in memory now: never hold the file while training
    prefetcher = prefetchImages(session);
    await train(session, chosen.description);
  } finally {
    store.close();
    prefetcher?.dispose();
    kernels?.dispose();
  }
}

/**
 * Preparing a batch of images (distortions, a few milliseconds of JavaScript per batch with the
 * preset's elastic ones; bytes to intensities) happens on a thread of its own (this very module,
 * started again as a worker) for the next batch while the current one trains. The results are the
 * same either way.
 */
function prefetchImages(session: TrainingSession): BatchPrefetcher | undefined {
  const src = session.data.train;
  const augment = session.options.augment ?? [];
  if (!(src instanceof ImageSource)) return undefined;
  const n = src.inputSize;
  const prefetcher = startPrefetchThread(
    new URL(import.meta.url), src.ds, augment, session.options.seed, session.options.batchSize,
    (index) => src.ds.pixels.subarray(index * n, (index + 1) * n),
  );
  session.prefetchWith(prefetcher);
  return prefetcher;
}

function loadData(store: Store, datasetId: number, hyper: RunHyper): TrainData {
  return {
    train: loadSource(store, datasetId, 'train', { limit: hyper.limit, binning: hyper.binning }),
    test: loadSource(store, datasetId, 'test', { limit: hyper.testLimit, binning: hyper.binning }),
  };
}

async function train(session: TrainingSession, backend: string): Promise<void> {
  const o = session.options;
  await send({ type: 'started', backend, epoch: session.epoch, batch: session.batch, batches: session.batches, epochs: o.epochs });
  const step = () => (session.epoch - 1) * session.batches + session.batch;
  if (session.epoch === 1 && session.batch === 0) await sendProbes(session, 0); // before training
  while (!session.finished) {
    while (!session.epochComplete) {
      const report = session.runBatch();
      await send({ type: 'batch', step: step(), report });
      await new Promise((r) => setImmediate(r)); // let pause/stop requests arrive
      if (request) {
        await send({ type: 'checkpoint', epoch: session.epoch, batch: session.batch, reason: request, state: session.checkpoint() });
        await send({ type: 'ended', status: request === 'pause' ? 'paused' : 'stopped' });
        return;
      }
    }
    const at = step();
    const report = session.finishEpoch();
    await send({ type: 'epoch', step: at, report, confusion: session.confusion.slice() });
    await sendProbes(session, report.epoch);
    await send({ type: 'checkpoint', epoch: session.epoch, batch: 0, reason: 'epoch', state: session.checkpoint() });
  }
  await send({ type: 'ended', status: 'completed' });
}

async function sendProbes(session: TrainingSession, epoch: number): Promise<void> {
  if (session.data.test.count <= PROBE_SAMPLE) return;
  const a = session.probe(session.data.test, PROBE_SAMPLE, session.options.seed);
  if (!a) return; // the non-spiking twin: no spikes or potentials (the monitor says so)
  const label = session.data.test.label(PROBE_SAMPLE);
  await send({ type: 'probe', epoch, kind: 'raster', layer: 0, sample: PROBE_SAMPLE, data: a.input, meta: { steps: a.steps, units: a.input.length / a.steps, label } });
  for (const [i, l] of a.layers.entries()) {
    await send({ type: 'probe', epoch, kind: 'raster', layer: i + 1, sample: PROBE_SAMPLE, data: l.spikes, meta: { steps: a.steps, units: l.units, label } });
    const bytes = new Uint8Array(l.membrane.buffer, l.membrane.byteOffset, l.membrane.byteLength);
    await send({ type: 'probe', epoch, kind: 'membrane', layer: i + 1, sample: PROBE_SAMPLE, data: bytes, meta: { steps: a.steps, units: l.units, vth: l.vth, dtype: 'f32', label } });
  }
}

/** The training process's main thread: the channel to the main side, and a run when it says start. */
function main(): void {
  channel = parentChannel();
  // The main side is gone (crashed or killed): nobody can record this run any more. Its row stays
  // 'running' with a dead owner and becomes 'interrupted' at the next start-up.
  channel.onDisconnect(() => process.exit(0));

  // Ctrl-C in a terminal signals the whole process group, this process too. The main side decides
  // what a Ctrl-C means (pause or stop after this batch, with a checkpoint) and says so by message;
  // dying here would lose the batch and leave the run interrupted instead.
  process.on('SIGINT', () => undefined);

  channel.onMessage((m) => {
    if (m.type === 'pause' || m.type === 'stop') {
      request ??= m.type;
      return;
    }
    run(m).then(
      () => process.exit(0),
      async (e: unknown) => {
        const error = e instanceof EngineError ? { code: e.code, message: e.message } : { code: 'crash', message: e instanceof Error ? e.stack ?? e.message : String(e) };
        await send({ type: 'error', error }).catch(() => undefined);
        process.exit(1);
      },
    );
  });
}

// The same bundle runs the prefetch thread (prefetchImages): there it only serves batches.
if (isPrefetchThread()) runPrefetchThread();
else main();
