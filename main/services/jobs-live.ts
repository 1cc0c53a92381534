/**
 * Following a PyTorch job live: its metrics file is tailed as it grows and each line recorded as it
 * arrives (as the supervisor records a training process's messages), so the run's monitor fills
 * while the job trains. `startJob` runs the job here under torchrun as a run of the store, with
 * stop; `followJob` watches a folder some other machine writes (a cluster job on a shared disk).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { EngineError } from '../../engine/errors';
import { localTorchrunArgs } from '../../engine/export/pytorch/torchrun';
import { trainArgs } from '../../engine/export/pytorch/train-py';
import { JOB_OUTPUTS, type JobManifest, type JobSettings } from '../../engine/export/pytorch/types';
import type { Store } from '../store/db';
import { saveCheckpoint } from '../store/checkpoints';
import { createRun, setRunBackend, setRunNotes, setRunStatus, type RunRow } from '../store/runs';
import { finishJobRun, jobOutputs, readManifest } from './jobs';
import { jobError, parseJobLine, type JobBatch, type JobEnd, type JobFailure, type JobHeader, type JobLine } from './jobs-metrics';
import { findPython } from './jobs-python';
import {
  JOB_BACKEND, jobBackendUsed, jobCheckpoint, jobDataset, jobHyper, jobNotes, readJobWeights, recordJobBatch, recordJobEpoch, weightsPath,
} from './jobs-record';

/**
 * The complete new lines of a growing file, from where the last read stopped. A last line without
 * its newline waits for the next read; a file that shrank was started afresh and is read again
 * from its start.
 */
export class MetricsTail {
  private offset = 0;
  private rest: Buffer = Buffer.alloc(0);
  private lineNo = 0;

  constructor(readonly path: string) {}

  async read(): Promise<JobLine[]> {
    let file;
    try {
      file = await open(this.path, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    try {
      const { size } = await file.stat();
      if (size < this.offset) [this.offset, this.rest, this.lineNo] = [0, Buffer.alloc(0), 0];
      if (size === this.offset) return [];
      const chunk = Buffer.alloc(size - this.offset);
      const { bytesRead } = await file.read(chunk, 0, chunk.length, this.offset);
      this.offset += bytesRead;
      const bytes = Buffer.concat([this.rest, chunk.subarray(0, bytesRead)]);
      const end = bytes.lastIndexOf(0x0a);
      this.rest = bytes.subarray(end + 1);
      if (end < 0) return [];
      return bytes.subarray(0, end).toString('utf8').split('\n').map((l) => parseJobLine(l, `${this.path} line ${++this.lineNo}`));
    } finally {
      await file.close();
    }
  }
}

/** Records a job's lines into its run as they arrive; knows the job's outcome once it has one. */
class JobRecorder {
  header: JobHeader | null = null;
  outcome: JobEnd | JobFailure | null = null;
  lastBatch: JobBatch | undefined;

  constructor(
    private readonly store: Store, readonly runId: number, private readonly folder: string, private readonly outputs: string, private readonly how: string,
  ) {}

  async record(line: JobLine): Promise<void> {
    const { store, runId } = this;
    switch (line.type) {
      case 'header':
        this.header = line;
        this.outcome = null;
        setRunBackend(store, runId, jobBackendUsed(line));
        setRunNotes(store, runId, jobNotes(line, this.folder, this.how));
        break;
      case 'batch':
        this.lastBatch = line;
        recordJobBatch(store, runId, line);
        break;
      case 'epoch':
        recordJobEpoch(store, runId, line);
        break;
      case 'weights': {
        const h = this.header;
        if (!h) throw jobError(`${join(this.outputs, JOB_OUTPUTS.metrics)}: a weights line before any header`);
        const params = await readJobWeights(weightsPath(this.outputs, line), h.spec);
        saveCheckpoint(store, runId, jobCheckpoint(h.spec, h, line, params));
        break;
      }
      case 'end':
      case 'error':
        this.outcome = line;
        break;
    }
  }

  finish(unfinished: string): RunRow {
    return finishJobRun(this.store, this.runId, { outcome: this.outcome, batches: this.lastBatch ? [this.lastBatch] : [] }, unfinished);
  }
}

export interface JobHandle {
  readonly runId: number;
  /** torchrun's process id (startJob), undefined when following. */
  readonly pid: number | undefined;
  /** startJob: SIGTERM to the job's process group (every rank checkpoints after its batch and ends); followJob: stop watching. */
  stop(): void;
  /** The run once the job has ended (or following stopped) and everything it wrote is recorded. */
  readonly finished: Promise<RunRow>;
}

export interface LiveOptions {
  /** The job's output folder, default the manifest's (out/). */
  out?: string;
  /** How often the metrics file is read, in ms (default 500). */
  pollMs?: number;
  /** Every line as recorded (the CLI prints progress from them). */
  onLine?(line: JobLine): void;
}

export interface StartJobOptions extends LiveOptions {
  /** Processes on this machine (torchrun --nproc_per_node); default 1. */
  nproc?: number;
  /** Continue from the job's checkpoint.pt (train.py --resume). */
  resume?: boolean;
  /** Settings that replace the job's defaults, passed as train.py flags. */
  overrides?: Partial<JobSettings>;
  /** The Python to run (default: findPython()). */
  python?: string;
  /** torchrun's own output (rank 0's stdout is teed there), for a terminal to show. */
  onOutput?(text: string): void;
}

/**
 * Runs a job folder here under torchrun (N processes on this machine, gloo on CPU / nccl on GPUs)
 * as a new run of the store, recording its metrics file as it grows. The run ends completed or
 * stopped as the job's end line says, failed with the job's error (or torchrun's exit code and
 * the end of its stderr), interrupted if the job was killed without a word.
 */
export async function startJob(store: Store, folder: string, opts: StartJobOptions = {}): Promise<JobHandle> {
  const dir = resolve(folder);
  const manifest = await readManifest(dir);
  const nproc = opts.nproc ?? 1;
  if (!Number.isInteger(nproc) || nproc < 1 || nproc > 1024) throw new EngineError('bad-option', `nproc is ${nproc}; allowed: an integer from 1 to 1024`);
  const outputs = jobOutputs(dir, manifest, opts.out);
  const metrics = join(outputs, JOB_OUTPUTS.metrics);
  if (opts.resume && !existsSync(join(outputs, JOB_OUTPUTS.checkpoint))) {
    throw jobError(`${join(outputs, JOB_OUTPUTS.checkpoint)}: no such file, so there is nothing to resume; start the job without --resume`);
  }
  const python = opts.python ?? (await findPython()).python;
  const settings: JobSettings = { ...manifest.settings, ...opts.overrides };
  jobDataset(store, manifest, dir); // refused before anything changes
  // A fresh start rewrites the metrics file: drop the old one first so the tail never reads it.
  if (!opts.resume) await rm(metrics, { force: true });
  const port = await freePort();
  const runId = newJobRun(store, manifest, dir, settings);
  const args = [
    ...localTorchrunArgs({ nproc, port, id: `stbp-run-${runId}`, logDir: join(outputs, 'logs') }),
    'train.py', '--out', outputs, ...trainArgs(opts.overrides ?? {}), ...(opts.resume ? ['--resume'] : []),
  ];
  let child: ChildProcess;
  try {
    child = spawn(python, args, { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    setRunStatus(store, runId, 'failed', { error: `torchrun could not start: ${(e as Error).message}` });
    throw e;
  }
  const stderr: string[] = [];
  child.stdout!.on('data', (d: Buffer) => opts.onOutput?.(d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    stderr.push(d.toString());
    if (stderr.length > 200) stderr.splice(0, stderr.length - 200);
    opts.onOutput?.(d.toString());
  });
  const recorder = new JobRecorder(store, runId, dir, outputs, `run here by torchrun, ${nproc} process${nproc > 1 ? 'es' : ''}`);
  const follower = follow(recorder, new MetricsTail(metrics), opts);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((done) => {
    child.once('error', (error) => done({ code: null, signal: null, error }));
    child.once('close', (code, signal) => done({ code, signal }));
  });
  const finished = exited.then(async ({ code, signal, error }) => {
    try {
      await follower.stop();
    } catch (e) {
      return setRunStatus(store, runId, 'failed', { error: `recording the job failed: ${(e as Error).message}` });
    }
    if (recorder.outcome) return recorder.finish('');
    const tail = stderr.join('').trim().split('\n').slice(-6).join(' | ');
    if (signal) return setRunStatus(store, runId, 'interrupted', { error: `the job was killed (${signal}) before writing its end; \`stbp jobs start ${dir} --resume\` continues from its last checkpoint` });
    const why = error ? `torchrun could not run (${error.message})` : `torchrun exited with code ${code} before the job wrote its end`;
    return setRunStatus(store, runId, 'failed', { error: `${why}${tail ? `: ${tail}` : ''}` });
  });
  return {
    runId,
    get pid() { return child.pid; },
    stop: () => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    },
    finished,
  };
}

/**
 * Watches a job folder another machine writes (a cluster job on a shared disk) as a run of the
 * store: created when the job's header appears (its spec and settings are the job's own), filled
 * as lines arrive, ended by the job's end or error line. `stop()` stops watching: the run is left
 * stopped, saying where it was; `stbp runs import-job` records the rest later.
 */
export async function followJob(store: Store, folder: string, opts: LiveOptions & { onRun?(runId: number): void } = {}): Promise<JobHandle> {
  const dir = resolve(folder);
  const manifest = await readManifest(dir);
  const outputs = jobOutputs(dir, manifest, opts.out);
  const tail = new MetricsTail(join(outputs, JOB_OUTPUTS.metrics));
  let recorder: JobRecorder | null = null;
  let stopped = false;
  let wake = () => undefined as void;
  const finished = (async (): Promise<RunRow> => {
    const pending: JobLine[] = [];
    while (!stopped) {
      try {
        pending.push(...(await tail.read()));
      } catch (e) {
        if (!recorder) throw e;
        return setRunStatus(store, recorder.runId, 'failed', { error: `recording the job failed: ${(e as Error).message}` });
      }
      if (!recorder) {
        const header = pending.find((l): l is JobHeader => l.type === 'header');
        if (header) {
          const runId = newJobRun(store, manifest, dir, header.settings, header);
          recorder = new JobRecorder(store, runId, dir, outputs, 'followed live');
          opts.onRun?.(runId);
        }
      }
      if (recorder) {
        try {
          for (const line of pending.splice(0)) {
            await recorder.record(line);
            opts.onLine?.(line);
          }
        } catch (e) {
          return setRunStatus(store, recorder.runId, 'failed', { error: `recording the job failed: ${(e as Error).message}` });
        }
        if (recorder.outcome) return recorder.finish('');
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, opts.pollMs ?? 500);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
    if (!recorder) throw new EngineError('stopped', `stopped following ${dir} before the job wrote its metrics header; no run was recorded`);
    return recorder.finish(`stopped following the job in ${dir} (it may still be running); \`stbp runs import-job ${dir}\` records all of it`);
  })();
  return {
    get runId() {
      if (!recorder) throw new EngineError('bad-state', `no run yet: the job in ${dir} has not written its metrics header`);
      return recorder.runId;
    },
    pid: undefined,
    stop: () => {
      stopped = true;
      wake();
    },
    finished,
  };
}

/** A TCP port free on this machine now, for a job's rendezvous (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** A running run for a job, with the backend said once its header arrives. */
function newJobRun(store: Store, manifest: JobManifest, dir: string, settings: JobSettings, header?: JobHeader): number {
  const dataset = jobDataset(store, manifest, dir);
  const runId = createRun(store, {
    name: header?.job ?? manifest.name, datasetId: dataset.id, spec: header?.spec ?? manifest.spec, hyper: jobHyper(settings),
    seed: settings.seed, backendRequested: JOB_BACKEND,
  });
  setRunStatus(store, runId, 'running');
  return runId;
}

/** Reads the tail every pollMs and records what it gives, in order; stop() makes a last read. */
function follow(recorder: JobRecorder, tail: MetricsTail, opts: LiveOptions): { stop(): Promise<void> } {
  let chain = Promise.resolve();
  let failure: unknown = null;
  const tick = () => {
    chain = chain.then(async () => {
      if (failure) return;
      try {
        for (const line of await tail.read()) {
          await recorder.record(line);
          opts.onLine?.(line);
        }
      } catch (e) {
        failure = e;
      }
    });
    return chain;
  };
  const timer = setInterval(tick, opts.pollMs ?? 500);
  return {
    async stop() {
      clearInterval(timer);
      await tick();
      if (failure) throw failure;
    },
  };
}
