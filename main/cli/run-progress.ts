import type { NetworkKind } from '../../engine/model/networks';
import type { EpochReport } from '../../engine/train/options';
import { runSummary } from '../api/runs';
import type { RunProgress, RunStopFigures, RunSummary } from '../contract';
import type { FromTrainer, RunHyper } from '../runs/messages';
import { startRun, type RunHandle } from '../runs/supervisor';
import type { Store } from '../store/db';
import { requireRun, type RunRow } from '../store/runs';
import { pct } from './args';
import { ProgressLine } from './progress';

/**
 * Follow a run's process on the terminal: progress bar, one line per epoch, and a summary with
 * the lines scripts read (`test accuracy: …%`, `throughput: … samples/s`). Ctrl-C asks the run to
 * stop after its current batch (it checkpoints and can be resumed); a second Ctrl-C kills it.
 */
export class RunPrinter {
  private readonly bar: ProgressLine;
  private readonly epochs: EpochReport[] = [];
  private backend = '';
  private readonly started = performance.now();

  /** A twin's epoch lines give its active fractions (engine/model/twin.ts firingRates) where a spiking net's give firing rates. */
  constructor(quiet: boolean, private readonly network: NetworkKind = 'spiking') {
    this.bar = new ProgressLine(!quiet && process.stdout.isTTY === true);
  }

  onMessage = (m: FromTrainer): void => {
    if (m.type === 'started') {
      this.backend = m.backend;
      const where = m.epoch > 1 || m.batch > 0 ? `, resuming at epoch ${m.epoch} batch ${m.batch + 1}` : '';
      console.log(`backend ${m.backend}: ${m.epochs} epochs of ${m.batches} batches${where}`);
    } else if (m.type === 'batches') {
      const r = m.batches[m.batches.length - 1]!.report;
      this.bar.update(r.batch / r.batches, `epoch ${r.epoch} ${r.batch}/${r.batches} loss ${r.loss.toFixed(4)} ${Math.round(r.samplesPerSecond)} samples/s`);
    } else if (m.type === 'epoch') {
      const r = m.report;
      this.epochs.push(r);
      this.bar.clear();
      const rates = r.firingRates.map((x) => x.toFixed(3)).join('/');
      const activity = this.network === 'twin' ? `non-spiking twin, active units ${rates}` : `firing ${rates}`;
      console.log(`epoch ${r.epoch}: loss ${r.trainLoss.toFixed(4)}, train ${pct(r.trainAccuracy)}, test ${pct(r.testAccuracy)}, ${activity}, ${r.seconds.toFixed(1)} s, ${Math.round(r.samplesPerSecond)} samples/s`);
    } else if (m.type === 'error') {
      this.bar.clear();
    }
  };

  /** Wire Ctrl-C to the run; returns the function that unwires it. */
  interrupt(handle: RunHandle): () => void {
    let asked = false;
    const onSigint = () => {
      if (asked) return handle.kill('SIGKILL');
      asked = true;
      this.bar.clear();
      console.log('stopping after this batch, then testing the last weights (Ctrl-C again to kill)…');
      handle.stop();
    };
    process.on('SIGINT', onSigint);
    return () => process.off('SIGINT', onSigint);
  }

  /**
   * The summary; returns the exit code (0 completed, 1 otherwise). `state`: what the store says of
   * the run now (a stop's evaluation, the verdict).
   */
  summary(run: RunRow, state: Pick<RunSummary, 'stop' | 'verdict'> = { stop: null, verdict: null }): number {
    this.bar.clear();
    const last = this.epochs[this.epochs.length - 1];
    const seconds = this.epochs.reduce((s, e) => s + e.seconds, 0);
    const samples = this.epochs.reduce((s, e) => s + e.samplesPerSecond * e.seconds, 0);
    console.log(`run ${run.id} (${run.name}): ${run.status}${run.error ? ` — ${run.error}` : ''}`);
    if (this.network === 'twin') console.log('network: non-spiking twin (ReLU, backprop)');
    const stop = state.stop;
    // Scripts read "test accuracy:": the last weights', a stop's evaluation when there is one.
    if (stop?.evaluatedAtStop) console.log(`test accuracy: ${pct(stop.testAccuracy!)}`);
    else if (last) console.log(`test accuracy: ${pct(last.testAccuracy)}`);
    if (last) console.log(`best test accuracy: ${pct(Math.max(...this.epochs.map((e) => e.testAccuracy)))}`);
    if (stop) console.log(stopText(stop));
    if (state.verdict) console.log(`verdict: ${state.verdict.message}`);
    console.log(`time: ${((performance.now() - this.started) / 1000).toFixed(1)} s`);
    console.log(`throughput: ${seconds > 0 ? Math.round(samples / seconds) : 0} samples/s`);
    if (this.backend) console.log(`backend: ${this.backend}`);
    if (run.status !== 'completed') console.log(`resume with: stbp runs resume ${run.id}`);
    return run.status === 'completed' ? 0 : 1;
  }
}

/** Start or resume a run and follow it on the terminal until its process ends. */
export async function follow(store: Store, runId: number, resume: boolean, quiet: boolean): Promise<number> {
  const printer = new RunPrinter(quiet, (requireRun(store, runId).hyper as RunHyper).network);
  const handle = startRun(store, runId, { resume, onMessage: printer.onMessage });
  const unwire = printer.interrupt(handle);
  try {
    const ended = await handle.finished;
    const { stop, verdict } = runSummary(store, ended, null);
    return printer.summary(ended, { stop, verdict });
  } finally {
    unwire();
  }
}

/** "epoch 1/2: 166/600 batches", or "2/2 epochs" at an epoch's end; "—" before the first batch. */
export function progressText(p: RunProgress | null): string {
  if (!p) return '—';
  return p.batch >= p.batches ? `${p.epoch}/${p.epochs} epochs` : `epoch ${p.epoch}/${p.epochs}: ${p.batch}/${p.batches} batches`;
}

/** Where a run stopped and what its last weights scored, or that they were not evaluated. */
export function stopText(s: RunStopFigures): string {
  const where = s.batch >= s.batches ? `stopped at the end of epoch ${s.epoch}` : `stopped in epoch ${s.epoch} at batch ${s.batch} of ${s.batches}`;
  if (s.testAccuracy === null) return `${where}: its last weights were not evaluated on the test set`;
  return `${where}: test accuracy ${pct(s.testAccuracy)} (${s.evaluatedAtStop ? 'evaluated at the stop' : `epoch ${s.epoch}'s`})`;
}
