import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../../engine/errors';
import { asStoreError } from '../store/damage';
import type { Store } from '../store/db';
import { saveCheckpoint } from '../store/checkpoints';
import { setRunBackend, setRunStatus, type RunRow } from '../store/runs';
import { recordBatchMetrics, recordEpochMetrics } from '../store/metrics';
import { saveProbe } from '../store/probes';
import type { FromTrainer, ToTrainer } from './messages';

/**
 * The training process bundle (built from main/runs/worker.ts by `npm run build:engine`). Both this
 * file's bundle (out/cli/) and its source (main/runs/) sit two levels below the project root.
 */
export const WORKER_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'out', 'cli', 'worker.mjs');

/** A live training process as the supervisor sees it (child_process here; utilityProcess in the app). */
export interface TrainerProcess {
  send(m: ToTrainer): void;
  kill(signal?: NodeJS.Signals): void;
  readonly pid: number | undefined;
  on(event: 'message', f: (m: FromTrainer) => void): void;
  /** The process has ended and every message it sent has been delivered. */
  on(event: 'exit', f: (code: number | null, signal: NodeJS.Signals | null) => void): void;
}

export type SpawnTrainer = () => TrainerProcess;

/** Refuses to spawn a training process whose bundle is missing, saying how to build it. */
export function requireWorkerFile(file = WORKER_FILE): string {
  if (!existsSync(file)) {
    throw new EngineError('not-built', `the training process ${file} is not built; run \`npm run build:engine\` (npm install does it)`);
  }
  return file;
}

export const forkTrainer: SpawnTrainer = () => {
  requireWorkerFile();
  const child: ChildProcess = fork(WORKER_FILE, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    send: (m) => void child.send(m),
    kill: (signal) => void child.kill(signal),
    get pid() { return child.pid; },
    on: ((event: 'message' | 'exit', f: (...args: never[]) => void) => {
      // 'close' comes after the IPC channel has delivered every message; 'exit' may come before.
      child.on(event === 'exit' ? 'close' : 'message', f as (...args: unknown[]) => void);
    }) as TrainerProcess['on'],
  };
};

export interface RunHandle {
  readonly runId: number;
  readonly pid: number | undefined;
  pause(): void;
  stop(): void;
  /** Ends the process abruptly (tests, a frozen run): the run becomes interrupted. */
  kill(signal?: NodeJS.Signals): void;
  /** The run's row once its process has exited and everything it sent is recorded. */
  readonly finished: Promise<RunRow>;
}

/**
 * Start (or resume from its last checkpoint) a run in its own process and record what it streams:
 * batch and epoch metrics, probes, checkpoints, status. The main side is the only writer of the
 * store; each message is recorded in its own transaction as it arrives, so a crash of either side
 * loses nothing already recorded. A process that exits without saying how it ended leaves the run
 * `failed` (exit code) or `interrupted` (killed by a signal), resumable from its last checkpoint.
 */
export function startRun(
  store: Store, runId: number,
  opts: {
    resume?: boolean; onMessage?: (m: FromTrainer) => void; spawn?: SpawnTrainer; nativeBinding?: string;
    /** Stop at once: the process loads the checkpoint, evaluates its weights and ends stopped (a paused run's stop). */
    request?: 'stop';
    /** How often, at most, batch reports come (in groups; default BATCH_MESSAGE_MS); 0: every batch alone. */
    batchMessageMs?: number;
  } = {},
): RunHandle {
  const resume = opts.resume ?? false;
  setRunStatus(store, runId, 'running'); // refuses a completed run before any process exists
  let child: TrainerProcess;
  try {
    child = (opts.spawn ?? forkTrainer)();
  } catch (e) {
    setRunStatus(store, runId, 'failed', { error: `the training process could not start: ${(e as Error).message}` });
    throw e;
  }
  let ended: FromTrainer | undefined;
  /** The last finished epoch's test accuracy: its end-of-epoch checkpoint holds those weights. */
  let lastEpoch: { epoch: number; testAccuracy: number } | undefined;

  const record = (m: FromTrainer): void => {
    switch (m.type) {
      case 'started':
        setRunBackend(store, runId, m.backend);
        break;
      case 'batches':
        recordBatchMetrics(store, runId, m.batches.map(({ step, report }) => ({ epoch: report.epoch, batch: report.batch, step, values: { ...report } })));
        break;
      case 'epoch':
        recordEpochMetrics(store, runId, { epoch: m.report.epoch, step: m.step, values: { ...m.report } });
        lastEpoch = { epoch: m.report.epoch, testAccuracy: m.report.testAccuracy };
        saveProbe(store, runId, {
          epoch: m.report.epoch, kind: 'confusion', data: new Uint8Array(m.confusion.buffer, m.confusion.byteOffset, m.confusion.byteLength),
          meta: { classes: Math.round(Math.sqrt(m.confusion.length)), dtype: 'u32' },
        });
        break;
      case 'probe':
        saveProbe(store, runId, { epoch: m.epoch, kind: m.kind, layer: m.layer, sample: m.sample, data: m.data, meta: m.meta });
        break;
      case 'checkpoint':
        saveCheckpoint(store, runId, {
          epoch: m.epoch, batch: m.batch, reason: m.reason, state: m.state,
          ...(m.reason === 'epoch' && lastEpoch?.epoch === m.epoch - 1 && { testAccuracy: lastEpoch.testAccuracy }),
          ...(m.reason === 'stop' && m.testAccuracy !== undefined && { testAccuracy: m.testAccuracy }), // evaluated at the stop
        });
        break;
      case 'ended':
      case 'error':
        ended = m;
        break;
    }
  };

  child.on('message', (m) => {
    try {
      record(m);
    } catch (e) {
      const error = asStoreError(e, store.path);
      const message = error instanceof EngineError ? error.message : `recording ${m.type} failed: ${(e as Error).message}`;
      ended = { type: 'error', error: { code: 'record-failed', message } };
      child.kill('SIGKILL');
    }
    opts.onMessage?.(m);
  });

  const finished = new Promise<RunRow>((resolve) => {
    child.on('exit', (code, signal) => {
      if (ended?.type === 'ended') resolve(setRunStatus(store, runId, ended.status));
      else if (ended?.type === 'error') resolve(setRunStatus(store, runId, 'failed', { error: ended.error.message }));
      else if (signal) resolve(setRunStatus(store, runId, 'interrupted', { error: `the training process was killed (${signal}); resume continues from the last checkpoint` }));
      else resolve(setRunStatus(store, runId, 'failed', { error: `the training process exited with code ${code} without reporting an error` }));
    });
  });

  child.send({
    type: 'start', runId, storeFile: store.path, resume,
    ...(opts.nativeBinding !== undefined && { nativeBinding: opts.nativeBinding }), ...(opts.request && { request: opts.request }),
    ...(opts.batchMessageMs !== undefined && { batchMessageMs: opts.batchMessageMs }),
  });
  return {
    runId,
    get pid() { return child.pid; },
    pause: () => child.send({ type: 'pause' }),
    stop: () => child.send({ type: 'stop' }),
    kill: (signal = 'SIGKILL') => child.kill(signal),
    finished,
  };
}
