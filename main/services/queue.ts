/**
 * The queue runner: starts queued runs in order, as many at a time as the queue's settings say,
 * each in its own training process (the caller's `launch`: the workbench's in the app, the
 * supervisor's in `stbp study run`). Everything it decides from is in the store, so it survives
 * its process: a runner that starts again (after a quit, a crash or kill -9) finds the same queue;
 * runs that were training come back `interrupted` (main/store/runs.ts recoverInterruptedRuns) and
 * resume from their checkpoint, the others start in order. One process runs the queue at a time
 * (store/queue.ts claimQueue); another one waits, retrying, until that one is gone.
 */
import { availableParallelism } from 'node:os';
import type { QueueState } from '../contract';
import { latestCheckpoint } from '../store/checkpoints';
import type { Store } from '../store/db';
import { claimQueue, countAttempt, dequeueRuns, listQueue, liveRunner, queueSettings, releaseQueue, type QueueRow } from '../store/queue';
import type { RunRow } from '../store/runs';

/** A queued run's killed launches (interrupted) before the queue gives up on it. */
export const MAX_ATTEMPTS = 3;

/** One queued run training at a time per two cores: each run trains on its own threads. */
export function defaultParallel(cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / 2));
}

/** Statuses a queued run starts (or resumes) from. A stopped or failed one only when queued after it ended. */
const STARTABLE = new Set(['created', 'paused', 'interrupted']);

/** A queued run that has had its turn: completed, or stopped or failed since it was queued, or killed too often. */
export function hadItsTurn(e: QueueRow): boolean {
  if (e.status === 'completed') return true;
  if (e.status === 'stopped' || e.status === 'failed') return e.endedAt !== null && e.endedAt > e.queuedAt;
  return e.status === 'interrupted' && e.attempts >= MAX_ATTEMPTS;
}

function startable(e: QueueRow): boolean {
  return STARTABLE.has(e.status) || ((e.status === 'stopped' || e.status === 'failed') && !hadItsTurn(e));
}

/**
 * Which queued runs to start now, in queue order: none while paused; else up to `parallel` runs
 * training at once, counting the queued runs already training anywhere.
 */
export function runsToStart(entries: readonly QueueRow[], parallel: number, paused: boolean, starting: ReadonlySet<number> = new Set()): QueueRow[] {
  if (paused) return [];
  const busy = entries.filter((e) => e.status === 'running' || starting.has(e.runId)).length;
  return entries.filter((e) => !starting.has(e.runId) && startable(e)).slice(0, Math.max(0, parallel - busy));
}

/** A run the runner started: what it needs of the supervisor's handle. */
export interface LaunchedRun {
  pause(): void;
  stop(): void;
  /** The run's row once its process has ended and everything it sent is recorded. */
  readonly finished: Promise<RunRow>;
}

export interface QueueRunnerOptions {
  store: Store;
  /** Starts (resume: from its last checkpoint) a recorded run in its own process. */
  launch(runId: number, resume: boolean): LaunchedRun;
  /** The queue or a run it started changed. */
  onChange?(): void;
  /** A queued run could not start, or its end could not be handled (the run itself records why). */
  onError?(runId: number, error: unknown): void;
  /** How often the store is looked at again for what other processes changed (default 2 s). */
  pollMs?: number;
  /** Default parallelism when the queue's settings leave it unset. */
  parallel?: number;
}

export class QueueRunner {
  private readonly launched = new Map<number, LaunchedRun>();
  /** Runs the runner itself asked to pause (queue paused, closing): they stay queued. */
  private readonly pausing = new Set<number>();
  private closing = false;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly o: QueueRunnerOptions) {}

  /** Claims the queue (or waits for it) and keeps it moving until `close`. */
  start(): void {
    this.pump();
    this.timer = setInterval(() => this.pump(), this.o.pollMs ?? 2000);
    this.timer.unref?.();
  }

  get parallel(): number {
    return queueSettings(this.o.store).parallel ?? this.o.parallel ?? defaultParallel();
  }

  /** Run ids this runner has training right now. */
  get running(): number[] {
    return [...this.launched.keys()];
  }

  /**
   * Looks at the queue once: drops runs that had their turn, pauses its own runs while the queue is
   * paused, and starts the next runs when there is room. Called after every change and by a timer.
   */
  pump(): void {
    if (this.closing) return;
    const { store } = this.o;
    try {
      if (!claimQueue(store)) return; // another live process runs the queue
      let entries = listQueue(store);
      const done = entries.filter((e) => !this.launched.has(e.runId) && hadItsTurn(e)).map((e) => e.runId);
      if (done.length) {
        dequeueRuns(store, done);
        entries = entries.filter((e) => !done.includes(e.runId));
      }
      const { paused } = queueSettings(store);
      if (paused) {
        for (const [runId, run] of this.launched) this.pauseOwn(runId, run);
      }
      const next = runsToStart(entries, this.parallel, paused, new Set(this.launched.keys()));
      for (const e of next) this.startOne(e.runId);
      if (done.length || next.length) this.o.onChange?.();
    } catch (e) {
      this.o.onError?.(0, e);
    }
  }

  /** Stops a run this runner is training (taken off the queue by the caller). */
  stop(runId: number): boolean {
    const run = this.launched.get(runId);
    run?.stop();
    return run !== undefined;
  }

  private pauseOwn(runId: number, run: LaunchedRun): void {
    if (this.pausing.has(runId)) return;
    this.pausing.add(runId);
    run.pause();
  }

  private startOne(runId: number): void {
    const { store } = this.o;
    let run: LaunchedRun;
    try {
      run = this.o.launch(runId, latestCheckpoint(store, runId) !== undefined);
    } catch (e) {
      this.o.onError?.(runId, e); // a run that could not start is recorded failed: it leaves the queue
      return;
    }
    this.launched.set(runId, run);
    void run.finished.then(
      (row) => this.ended(row),
      (e: unknown) => {
        this.launched.delete(runId);
        this.o.onError?.(runId, e);
      },
    );
  }

  private ended(row: RunRow): void {
    this.launched.delete(row.id);
    const askedToPause = this.pausing.delete(row.id) || this.closing;
    try {
      if (row.status === 'interrupted') countAttempt(this.o.store, row.id);
      // Paused by the user (the monitor's Pause), not by the queue: it leaves the queue until resumed or re-queued.
      if (row.status === 'paused' && !askedToPause) dequeueRuns(this.o.store, [row.id]);
    } catch (e) {
      this.o.onError?.(row.id, e);
    }
    this.o.onChange?.();
    this.pump();
  }

  /**
   * Stops starting runs and gives the queue up. With `pause`, its runs pause with a checkpoint
   * first (they stay queued and resume when a runner starts again); either way it waits for them.
   */
  async close(opts: { pause: boolean }): Promise<void> {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    const runs = [...this.launched.entries()];
    if (opts.pause) for (const [runId, run] of runs) this.pauseOwn(runId, run);
    await Promise.allSettled(runs.map(([, run]) => run.finished));
    try {
      releaseQueue(this.o.store);
    } catch (e) {
      this.o.onError?.(0, e);
    }
  }
}

/** The queue as the contract shows it. */
export function queueState(store: Store, fallbackParallel = defaultParallel()): QueueState {
  const settings = queueSettings(store);
  const runner = liveRunner(store);
  return {
    parallel: settings.parallel ?? fallbackParallel,
    defaultParallel: fallbackParallel,
    paused: settings.paused,
    runner: runner === null ? 'none' : runner === process.pid ? 'here' : 'elsewhere',
    runnerPid: runner,
    entries: listQueue(store).map((e) => ({ runId: e.runId, runName: e.runName, status: e.status, studyId: e.studyId, studyName: e.studyName })),
  };
}
