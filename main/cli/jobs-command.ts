/**
 * The CLI verbs of PyTorch jobs (main/services/jobs*.ts):
 *   stbp export <run> --format pytorch --out <dir> [--fine-tune [--epoch best|latest|N]] [setting flags]
 *   stbp runs import-job <dir> [--out <results folder>]
 *   stbp runs follow <dir> [--out <results folder>]
 *   stbp jobs start <dir> [--nproc N] [--resume] [setting flags]
 */
import { EngineError } from '../../engine/errors';
import type { JobSettings } from '../../engine/export/pytorch/types';
import type { TrainOptions } from '../../engine/train/options';
import type { Store } from '../store/db';
import { requireRun, type RunRow } from '../store/runs';
import { listMetrics } from '../store/metrics';
import { exportJob, importJob } from '../services/jobs';
import { followJob, startJob, type JobHandle } from '../services/jobs-live';
import type { JobLine } from '../services/jobs-metrics';
import type { EpochChoice } from '../services/models';
import { need, num, pct } from './args';
import { ProgressLine } from './progress';

/** The flags these verbs read (a subset of the CLI's options). */
export interface JobCliValues {
  out?: string;
  epoch?: string;
  'fine-tune'?: boolean;
  dt?: string;
  nproc?: string;
  resume?: boolean;
  quiet?: boolean;
  epochs?: string;
  T?: string;
  batch?: string;
  lr?: string;
  optimizer?: string;
  loss?: string;
  grad?: string;
  seed?: string;
  limit?: string;
  'test-limit'?: string;
  'init-gain'?: string;
  'no-augment'?: boolean;
}

export const JOBS_HELP = `PyTorch jobs (the same network trained by PyTorch, on this machine or a cluster):
  stbp export <run> --format pytorch --out <dir>   a job folder: model.py, train.py (the run's settings
                       as flag defaults; DistributedDataParallel under torchrun), the dataset, README
      --fine-tune      start from the run's weights (--epoch best|latest|N, default best)
      --epochs, --T, --batch, --lr, --optimizer, --loss, --grad, --seed, --limit, --test-limit,
      --init-gain, --no-augment: replace the run's settings in the job
  stbp runs import-job <dir> [--out <folder>]      record the job's results as a run (metrics,
                       weights, provenance); --out: its results folder if not <dir>/out
  stbp runs follow <dir> [--out <folder>]          the same, live, while the job runs elsewhere
                       (a shared disk); Ctrl-C stops following
  stbp jobs start <dir> [--nproc N] [--resume]     run the job here under torchrun as a run of the
                       store; setting flags override its defaults; Ctrl-C stops it with a checkpoint
`;

/** `stbp export <run> --format pytorch`: the lead's export command hands the pytorch format here. */
export async function exportJobCommand(store: Store, args: string[], values: JobCliValues): Promise<number> {
  const usage = 'stbp export <run> --format pytorch --out <dir> [--fine-tune [--epoch best|latest|N]] [setting flags]';
  const run = requireRun(store, runId(args[0], usage));
  if (!values.out) throw new EngineError('bad-option', `export --format pytorch needs --out <dir>, a new folder for the job; usage: ${usage}`);
  if (values.epoch !== undefined && !values['fine-tune']) {
    throw new EngineError('bad-option', `--epoch ${values.epoch} chooses the starting weights of a fine-tuning job; add --fine-tune, or drop --epoch to train from the run's initialisation`);
  }
  const job = await exportJob(
    store,
    { kind: 'run', runId: run.id, ...(values['fine-tune'] ? { weights: epochChoice(values.epoch) } : {}) },
    values.out,
    { overrides: settingFlags(values), ...(values.dt !== undefined ? { dt: num('dt', values.dt, false)! } : {}) },
  );
  const s = job.manifest.settings;
  console.log(`wrote ${job.folder}: a PyTorch job for run ${run.id} (${run.name}), ${job.files.length} files`);
  console.log(`  ${s.epochs} epochs, T=${s.steps}, batch ${s.batchSize}, ${s.optimizer} lr=${s.lr}, loss ${s.loss}, grad ${s.grad}${job.manifest.initWeights ? `, from ${job.manifest.initWeights}` : ''}`);
  console.log(`run it:    cd ${job.folder} && python3 train.py     (or: torchrun --standalone --nproc_per_node=N train.py)`);
  console.log(`here:      stbp jobs start ${job.folder} --nproc N`);
  console.log(`results:   stbp runs import-job ${job.folder}`);
  return 0;
}

/** `stbp runs import-job <dir>`. */
export async function importJobCommand(store: Store, args: string[], values: JobCliValues): Promise<number> {
  const dir = need(args[0], 'a job folder', 'stbp runs import-job <dir> [--out <results folder>]');
  const imported = await importJob(store, dir, { ...(values.out !== undefined ? { out: values.out } : {}) });
  const r = imported.run;
  console.log(`run ${r.id} (${r.name}): ${r.status}${r.error ? ` — ${r.error}` : ''}`);
  console.log(`  ${imported.epochs} epochs, ${imported.batches} batches, weights ${imported.weights.join(', ') || 'none'}; ${r.backendUsed}`);
  printAccuracy(store, r);
  return 0;
}

/** `stbp runs follow <dir>`. */
export async function followJobCommand(store: Store, args: string[], values: JobCliValues): Promise<number> {
  const dir = need(args[0], 'a job folder', 'stbp runs follow <dir> [--out <results folder>]');
  const printer = new JobPrinter(values.quiet === true);
  console.log(`following ${dir} (Ctrl-C stops following; the job goes on)…`);
  const handle = await followJob(store, dir, {
    ...(values.out !== undefined ? { out: values.out } : {}),
    onLine: printer.onLine,
    onRun: (id) => console.log(`run ${id}: recording the job`),
  });
  return printer.wait(store, handle);
}

/** `stbp jobs start <dir>`. */
export async function jobsCommand(store: Store, args: string[], values: JobCliValues): Promise<number> {
  const usage = 'stbp jobs start <dir> [--nproc N] [--resume] [setting flags]';
  const [sub, dir] = args;
  if (sub !== 'start') throw new EngineError('bad-command', `unknown jobs command ${JSON.stringify(sub ?? '')} (known: start); usage: ${usage}`);
  const folder = need(dir, 'a job folder', usage);
  const printer = new JobPrinter(values.quiet === true);
  const handle = await startJob(store, folder, {
    nproc: num('nproc', values.nproc, true) ?? 1,
    resume: values.resume === true,
    overrides: settingFlags(values),
    onLine: printer.onLine,
  });
  console.log(`run ${handle.runId}: job ${folder} started under torchrun (pid ${handle.pid}); Ctrl-C stops it with a checkpoint`);
  return printer.wait(store, handle);
}

function runId(text: string | undefined, usage: string): number {
  const id = Number(need(text, 'a run id', usage));
  if (!Number.isInteger(id)) throw new EngineError('bad-option', `run id is ${JSON.stringify(text)}; allowed: an integer (see stbp runs list)`);
  return id;
}

function epochChoice(text: string | undefined): EpochChoice {
  if (text === undefined || text === 'best' || text === 'latest') return text ?? 'best';
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= 1)) throw new EngineError('bad-option', `--epoch is ${JSON.stringify(text)}; allowed: best, latest or an epoch number >= 1`);
  return n;
}

/** The setting flags given, as job settings (checked by the generator, or by train.py when started). */
function settingFlags(v: JobCliValues): Partial<JobSettings> {
  const out: Partial<JobSettings> = {};
  const set = <K extends keyof JobSettings>(key: K, value: JobSettings[K] | undefined) => {
    if (value !== undefined) out[key] = value;
  };
  set('epochs', num('epochs', v.epochs, true));
  set('steps', num('T', v.T, true));
  set('batchSize', num('batch', v.batch, true));
  set('lr', num('lr', v.lr, false));
  set('seed', num('seed', v.seed, true));
  set('limit', num('limit', v.limit, true));
  set('testLimit', num('test-limit', v['test-limit'], true));
  set('initGain', num('init-gain', v['init-gain'], false));
  set('optimizer', v.optimizer as TrainOptions['optimizer'] | undefined);
  set('loss', v.loss as TrainOptions['loss'] | undefined);
  set('grad', v.grad as TrainOptions['grad'] | undefined);
  if (v['no-augment']) out.augment = [];
  return out;
}

/** The lines scripts read, from the run's stored epochs. */
function printAccuracy(store: Store, run: RunRow): void {
  const accuracies = listMetrics(store, run.id, 'epoch').map((m) => m.values.testAccuracy).filter((a): a is number => typeof a === 'number');
  if (!accuracies.length) return;
  console.log(`test accuracy: ${pct(accuracies.at(-1)!)}`);
  console.log(`best test accuracy: ${pct(Math.max(...accuracies))}`);
}

/** Progress of a followed or started job on the terminal, and its summary. */
class JobPrinter {
  private readonly bar: ProgressLine;
  private readonly epochs: { testAccuracy: number; seconds: number; samplesPerSecond: number }[] = [];

  constructor(quiet: boolean) {
    this.bar = new ProgressLine(!quiet && process.stdout.isTTY === true);
  }

  onLine = (l: JobLine): void => {
    if (l.type === 'header') {
      const how = l.worldSize > 1 ? `${l.worldSize} processes (${l.distributed})` : '1 process';
      console.log(`job ${l.job}: ${how} on ${l.device}, torch ${l.torch}; global batch ${l.globalBatch}, ${l.batches} batches per epoch${l.resumed ? `, resumed at epoch ${l.resumed.epoch} batch ${l.resumed.batch + 1}` : ''}`);
    } else if (l.type === 'batch') {
      this.bar.update(l.batch / l.batches, `epoch ${l.epoch} ${l.batch}/${l.batches} loss ${l.loss.toFixed(4)} ${Math.round(l.samplesPerSecond)} samples/s`);
    } else if (l.type === 'epoch') {
      this.bar.clear();
      this.epochs.push(l);
      const rates = l.firingRates.map((x) => x.toFixed(3)).join('/');
      console.log(`epoch ${l.epoch}: loss ${l.trainLoss.toFixed(4)}, train ${pct(l.trainAccuracy)}, test ${pct(l.testAccuracy)}, firing ${rates}, ${l.seconds.toFixed(1)} s, ${Math.round(l.samplesPerSecond)} samples/s (${l.samples} samples)`);
    } else if (l.type === 'error') {
      this.bar.clear();
    }
  };

  /** Ctrl-C stops the handle; the summary once it has finished; exit code 0 when completed. */
  async wait(store: Store, handle: JobHandle): Promise<number> {
    const onSigint = () => {
      this.bar.clear();
      console.log('stopping…');
      handle.stop();
    };
    process.on('SIGINT', onSigint);
    let run: RunRow;
    try {
      run = await handle.finished;
    } finally {
      process.off('SIGINT', onSigint);
    }
    this.bar.clear();
    console.log(`run ${run.id} (${run.name}): ${run.status}${run.error ? ` — ${run.error}` : ''}`);
    const last = this.epochs.at(-1);
    if (last) {
      console.log(`test accuracy: ${pct(last.testAccuracy)}`);
      console.log(`best test accuracy: ${pct(Math.max(...this.epochs.map((e) => e.testAccuracy)))}`);
      const seconds = this.epochs.reduce((s, e) => s + e.seconds, 0);
      const samples = this.epochs.reduce((s, e) => s + e.samplesPerSecond * e.seconds, 0);
      console.log(`throughput: ${seconds > 0 ? Math.round(samples / seconds) : 0} samples/s`);
    }
    console.log(`backend: ${requireRun(store, run.id).backendUsed ?? 'pytorch'}`);
    return run.status === 'completed' ? 0 : 1;
  }
}
