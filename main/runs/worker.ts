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
import { isStoreCorruption, logFailure, storeDamaged } from '../store/damage';
import { openStore, type Store } from '../store/db';
import { latestCheckpoint } from '../store/checkpoints';
import { requireRun } from '../store/runs';
import { loadSource } from '../services/datasets';
import { modelParams } from '../services/models';
import { parentChannel, type ParentChannel } from './channel';
import { measureRun } from './estimate-run';
import { BATCH_MESSAGE_MS, type FromTrainer, type RunHyper, type StepReport, type ToTrainer } from './messages';
import { probeRecords } from './probe-sample';

/** Backend families, as the descriptions they report begin ('wasm-simd ×2 threads', 'tfjs (wasm)'). */
const BACKEND_FAMILIES: readonly BackendFamily[] = ['wasm', 'tfjs'];

/** The sample whose spikes and potentials are recorded each epoch (paper Fig. 4c/4d). */
const PROBE_SAMPLE = 0;
/** How often the probe sample is sent within an epoch (live, not stored): the monitor's refresh. */
const LIVE_PROBE_MS = 3000;

let request: 'pause' | 'stop' | undefined;

/** Opened by main(): the prefetch thread, which runs this module too, has no channel. */
let channel: ParentChannel;

function send(message: FromTrainer): Promise<void> {
  return channel.send(message);
}

async function run({ runId, storeFile, resume, nativeBinding, batchMessageMs }: Extract<ToTrainer, { type: 'start' }>): Promise<void> {
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
    if (!checkpoint && hyper.initialModelId !== undefined) session.loadParams(modelParams(store, hyper.initialModelId, session.plan));
    store.close(); // everything is in memory now: never hold the file while training
    prefetcher = prefetchImages(session);
    await train(session, chosen.description, batchMessageMs ?? BATCH_MESSAGE_MS);
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

async function train(session: TrainingSession, backend: string, batchMessageMs: number): Promise<void> {
  const o = session.options;
  await send({ type: 'started', backend, epoch: session.epoch, batch: session.batch, batches: session.batches, epochs: o.epochs });
  const step = () => (session.epoch - 1) * session.batches + session.batch;
  if (session.epoch === 1 && session.batch === 0) await sendProbes(session, 0); // before training
  let probedAt = performance.now();
  // Batch reports wait here until batchMessageMs has passed since the last group (the run's first
  // batch goes at once), and go before any other message.
  const unsent: StepReport[] = [];
  let sentAt = -Infinity;
  const sendBatches = async (): Promise<void> => {
    if (unsent.length === 0) return;
    await send({ type: 'batches', batches: unsent.splice(0) });
    sentAt = performance.now();
  };
  try {
    while (!session.finished) {
      if (request) return await end(session, request); // a stop asked before the first batch: a paused run's stop
      while (!session.epochComplete) {
        const report = session.runBatch();
        unsent.push({ step: step(), report });
        if (performance.now() - sentAt >= batchMessageMs) await sendBatches();
        await new Promise((r) => setImmediate(r)); // let pause/stop requests arrive
        if (request) {
          await sendBatches();
          return await end(session, request);
        }
        if (performance.now() - probedAt >= LIVE_PROBE_MS) {
          await sendBatches();
          await sendLiveProbes(session);
          probedAt = performance.now();
        }
      }
      await sendBatches();
      const at = step();
      const report = session.finishEpoch();
      await send({ type: 'epoch', step: at, report, confusion: session.confusion.slice() });
      await sendProbes(session, report.epoch);
      await send({ type: 'checkpoint', epoch: session.epoch, batch: 0, reason: 'epoch', state: session.checkpoint() });
    }
  } catch (e) {
    await sendBatches().catch(() => undefined); // the batches before a failure (a diverged loss) are recorded too
    throw e;
  }
  await send({ type: 'ended', status: 'completed' });
}

/**
 * Pause or stop after this batch with a checkpoint. A stop mid-epoch first evaluates the weights it
 * stops with on the test set (coded with seed + epoch, as that epoch's own test would be), so a
 * stopped run has an accuracy to compare and export; at an epoch's start they are the last
 * epoch's, already evaluated.
 */
async function end(session: TrainingSession, why: 'pause' | 'stop'): Promise<void> {
  const testAccuracy = why === 'stop' && session.batch > 0 ? session.evaluate(session.data.test, session.options.seed + session.epoch) : undefined;
  await send({
    type: 'checkpoint', epoch: session.epoch, batch: session.batch, reason: why, state: session.checkpoint(), ...(testAccuracy !== undefined && { testAccuracy }),
  });
  await send({ type: 'ended', status: why === 'pause' ? 'paused' : 'stopped' });
}

/** The probe sample's spikes and potentials, every layer (bounded: main/runs/probe-sample.ts); none for the twin. */
function probeNow(session: TrainingSession): ReturnType<typeof probeRecords> {
  if (session.data.test.count <= PROBE_SAMPLE) return [];
  const a = session.probe(session.data.test, PROBE_SAMPLE, session.options.seed);
  return a ? probeRecords(a, PROBE_SAMPLE, session.data.test.label(PROBE_SAMPLE)) : [];
}

async function sendProbes(session: TrainingSession, epoch: number): Promise<void> {
  for (const record of probeNow(session)) await send({ type: 'probe', epoch, ...record });
}

async function sendLiveProbes(session: TrainingSession): Promise<void> {
  const probes = probeNow(session);
  if (probes.length > 0) await send({ type: 'live-probes', epoch: session.epoch, batch: session.batch, probes });
}

/**
 * What a run's status says about the error that ended it: one line. A damaged store says so (and
 * what to do); any other unexpected error keeps its message, its stack going to the store's log.
 */
function runFailure(e: unknown, storeFile: string, runId: number): { code: string; message: string } {
  if (e instanceof EngineError) return { code: e.code, message: e.message };
  const log = logFailure(storeFile, `run ${runId}: the training process failed`, e);
  const message = e instanceof Error ? e.message : String(e);
  if (isStoreCorruption(e)) return { code: 'store-damaged', message: storeDamaged(storeFile, message).message };
  return { code: 'crash', message: `the training process failed: ${message}${log ? ` (details in ${log})` : ''}` };
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
    if (m.type === 'estimate') {
      measureRun(m).then(
        async (measure) => {
          await send({ type: 'estimate', measure });
          process.exit(0);
        },
        async (e: unknown) => {
          const error = e instanceof EngineError ? { code: e.code, message: e.message } : { code: 'crash', message: `timing the run failed: ${e instanceof Error ? e.message : String(e)}` };
          await send({ type: 'error', error }).catch(() => undefined);
          process.exit(1);
        },
      );
      return;
    }
    request ??= m.request;
    run(m).then(
      () => process.exit(0),
      async (e: unknown) => {
        await send({ type: 'error', error: runFailure(e, m.storeFile, m.runId) }).catch(() => undefined);
        process.exit(1);
      },
    );
  });
}

// The same bundle runs the prefetch thread (prefetchImages): there it only serves batches.
if (isPrefetchThread()) runPrefetchThread();
else main();
