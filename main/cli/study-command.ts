/**
 * `stbp study …`: studies headless (main/services/studies.ts, queue.ts).
 *   stbp study recipes
 *   stbp study run <recipe | study.json> [--scale quick|paper] [--parallel n] [--max-runs n] [train flags]
 *   stbp study list | show <id> | resume <id> [--parallel n] | delete <id>
 * `run` and `resume` run the persistent queue in the foreground until the study is done, printing
 * each run's start, epochs and end, then the summary table; Ctrl-C pauses the runs with a
 * checkpoint (the study stays queued: `stbp study resume <id>` or the app continues it).
 */
import { EngineError } from '../../engine/errors';
import type { StudyFile, StudyGroup, StudySummary } from '../contract';
import type { FromTrainer } from '../runs/messages';
import { startRun } from '../runs/supervisor';
import { defaultParallel, QueueRunner, queueState } from '../services/queue';
import { createStudyFromFile, studySummary, unfinishedRuns } from '../services/studies';
import { listRecipes, studyFromArgument } from '../services/study-recipes';
import { CONFIRM_ABOVE, studySize } from '../services/study-file';
import { requestFromFlags } from '../services/train-request';
import type { Store } from '../store/db';
import { enqueueRuns, setQueueSettings } from '../store/queue';
import type { RunRow } from '../store/runs';
import { deleteStudy, listStudies } from '../store/studies';
import { need, num, pct } from './args';
import type { CliValues } from './options';

export const STUDY_HELP = `Studies (sweeps over settings, trained one queued run after another):
  stbp study recipes                         the paper's studies: surrogate-shapes (Fig. 6a),
                       rectangle-width (Fig. 6b), stbp-vs-sdbp (Table VII), t-sweep; each at
                       --scale quick (minutes) or paper (the paper's settings)
  stbp study run <recipe | study.json> [--scale quick|paper] [--parallel n] [--max-runs n]
                       queue every cell of the study as a run and train the queue until the study
                       is done, then print its summary; flags of train (e.g. --threads 1,
                       --limit 2000) override the study's base; Ctrl-C pauses with a checkpoint
      --parallel <n>   runs training at once (kept for the queue; default one per two cores)
      --max-runs <n>   confirm a study of more than ${CONFIRM_ABOVE} runs
  stbp study list | show <id> | resume <id> | delete <id>
                       show prints every cell and the summary table (mean ± spread over seeds,
                       interval over the last epochs, the paper's numbers beside); resume queues
                       the unfinished cells again and trains them; delete keeps trained runs
  A study file: {"name": "widths", "base": {"preset": "mlp-400", "epochs": 1, "limit": 4000,
  "testLimit": 500, "T": 8, "seed": 5}, "axes": {"surrogate.width": [0.5, 2.5], "grad": ["stbp",
  "sdbp"]}, "seeds": 2} (base: the options of train by their long names in camelCase).
`;

const USAGE = 'stbp study recipes | run <recipe | study.json> [--scale quick|paper] | list | show <id> | resume <id> | delete <id>';

export async function studyCommand(store: Store, args: string[], values: CliValues): Promise<number> {
  const [sub, arg] = args;
  if (sub === 'recipes') return recipes();
  if (sub === 'list') return list(store);
  if (sub === 'run') return run(store, need(arg, 'a recipe name or a study file', USAGE), values);
  if (!['show', 'resume', 'delete'].includes(sub ?? '')) {
    throw new EngineError('bad-command', `unknown study command ${JSON.stringify(sub ?? '')} (known: recipes, run, list, show, resume, delete); usage: ${USAGE}`);
  }
  const idText = need(arg, 'a study id', USAGE);
  const id = Number(idText);
  if (!Number.isInteger(id)) throw new EngineError('bad-option', `study id is ${JSON.stringify(idText)}; allowed: an integer (see stbp study list)`);
  if (sub === 'show') {
    printSummary(studySummary(store, id));
    return 0;
  }
  if (sub === 'delete') {
    const deleted = deleteStudy(store, id, false);
    console.log(`deleted study ${id}${deleted.length ? ` and its ${deleted.length} run(s) that never started` : ''}; its trained runs stay (stbp runs list)`);
    return 0;
  }
  const again = unfinishedRuns(store, id);
  enqueueRuns(store, again);
  console.log(`study ${id}: ${again.length} unfinished run(s) queued again`);
  return trainUntilDone(store, id, values);
}

async function recipes(): Promise<number> {
  for (const r of await listRecipes()) {
    console.log(`${r.name.padEnd(17)} ${r.title}`);
    for (const [scale, file] of Object.entries(r.scales)) console.log(`${''.padEnd(19)}--scale ${scale.padEnd(6)} ${studySize(file)} runs: ${describeBase(file)}`);
  }
  return 0;
}

function describeBase(file: StudyFile): string {
  const b = file.base;
  const parts = [b.preset, b.epochs !== undefined && `${b.epochs} epochs`, b.T !== undefined && `T=${b.T}`, b.limit !== undefined ? `${b.limit} train images` : 'all train images', (file.seeds ?? 1) > 1 && `${file.seeds} seeds`];
  return parts.filter(Boolean).join(', ');
}

function list(store: Store): number {
  const studies = listStudies(store);
  if (!studies.length) {
    console.log('no studies yet: try `stbp study recipes`, then `stbp study run stbp-vs-sdbp --scale quick`');
    return 0;
  }
  console.log(`${'id'.padStart(4)}  ${'name'.padEnd(28)} runs  done  queued  failed  created`);
  for (const s of studies) {
    const { counts } = studySummary(store, s.id);
    console.log(`${String(s.id).padStart(4)}  ${s.name.padEnd(28)} ${String(counts.total).padStart(4)}  ${String(counts.completed).padStart(4)}  ${String(counts.queued + counts.running).padStart(6)}  ${String(counts.failed).padStart(6)}  ${s.createdAt}`);
  }
  return 0;
}

async function run(store: Store, arg: string, values: CliValues): Promise<number> {
  const file = await studyFromArgument(arg, values.scale);
  const overrides = requestFromFlags(values);
  if (overrides.backend === 'auto') delete overrides.backend; // the flag's default, not a choice
  delete overrides.name;
  const study: StudyFile = { ...file, base: { ...file.base, ...overrides } };
  const maxRuns = num('max-runs', values['max-runs'], true);
  const id = await createStudyFromFile(store, study, maxRuns);
  const summary = studySummary(store, id);
  console.log(`study ${id}: ${study.name}, ${summary.counts.total} runs queued (${summary.axes.join(' × ') || 'seeds'}${(study.seeds ?? 1) > 1 ? ` × ${study.seeds} seeds` : ''})`);
  return trainUntilDone(store, id, values);
}

/** Runs the queue here until every cell of the study has had its turn; then prints the summary. */
async function trainUntilDone(store: Store, studyId: number, values: CliValues): Promise<number> {
  const parallel = num('parallel', values.parallel, true);
  if (parallel !== undefined) {
    if (parallel < 1 || parallel > 64) throw new EngineError('bad-option', `--parallel is ${parallel}; allowed: an integer from 1 to 64`);
    setQueueSettings(store, { parallel });
  }
  const printer = new StudyPrinter(store, studyId, values.quiet === true);
  const runner = new QueueRunner({
    store,
    launch: (runId, resume) => {
      printer.starting(runId, resume);
      const handle = startRun(store, runId, { resume, onMessage: (m) => printer.message(runId, m) });
      return { pause: handle.pause, stop: handle.stop, finished: handle.finished.then((row) => (printer.ended(row), row)) };
    },
    onChange: () => printer.poll(),
    onError: (runId, e) => console.error(`${runId ? `run ${runId}: ` : ''}${e instanceof Error ? e.message : String(e)}`),
  });
  if (queueState(store).paused) {
    setQueueSettings(store, { paused: false });
    console.log('the queue was paused (in the app): resumed');
  }
  const queue = queueState(store);
  if (queue.runner === 'elsewhere') console.log(`the queue is being run by process ${queue.runnerPid} (the app or another stbp study run): waiting for it to train this study`);
  else console.log(`training ${queue.parallel} run(s) at a time (default ${defaultParallel()}, one per two cores)`);
  runner.start();

  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.log('pausing the runs after their current batch (Ctrl-C again to quit at once)…');
    void runner.close({ pause: true });
  };
  process.on('SIGINT', onSigint);
  try {
    while (!interrupted && !printer.done()) await new Promise((r) => setTimeout(r, 500));
    await runner.close({ pause: true });
  } finally {
    process.off('SIGINT', onSigint);
  }
  const summary = studySummary(store, studyId);
  printSummary(summary);
  if (summary.counts.completed < summary.counts.total) console.log(`not every run completed: stbp study resume ${studyId} trains the rest`);
  return summary.counts.completed === summary.counts.total ? 0 : 1;
}

/** What the terminal shows while a study trains: starts, epoch lines and ends, one line each. */
class StudyPrinter {
  private readonly epochs = new Map<number, number>();
  private seen = new Map<number, string>();

  constructor(private readonly store: Store, private readonly studyId: number, private readonly quiet: boolean) {
    this.seen = this.statuses();
  }

  private statuses(): Map<number, string> {
    return new Map(studySummary(this.store, this.studyId).cells.flatMap((c) => (c.runId !== null ? [[c.runId, c.status ?? '']] : [])));
  }

  private cellOf(runId: number): { where: string; epochs: number } | undefined {
    const s = studySummary(this.store, this.studyId);
    const cell = s.cells.find((c) => c.runId === runId);
    return cell && { where: `cell ${cell.index + 1}/${s.cells.length}: ${cell.label}`, epochs: cell.testAccuracy.length };
  }

  starting(runId: number, resume: boolean): void {
    const cell = this.cellOf(runId);
    console.log(`▶ run ${runId}${cell ? ` (${cell.where})` : ' (another study)'}${resume ? ', resuming from its last checkpoint' : ''}`);
  }

  message(runId: number, m: FromTrainer): void {
    if (m.type === 'started') this.epochs.set(runId, m.epochs);
    if (m.type !== 'epoch' || this.quiet) return;
    const r = m.report;
    console.log(`  run ${runId} epoch ${r.epoch}/${this.epochs.get(runId) ?? '?'}: loss ${r.trainLoss.toFixed(4)}, train ${pct(r.trainAccuracy)}, test ${pct(r.testAccuracy)}, ${r.seconds.toFixed(1)} s, ${Math.round(r.samplesPerSecond)} samples/s`);
  }

  ended(row: RunRow): void {
    this.seen.set(row.id, row.status);
    const s = studySummary(this.store, this.studyId);
    const cell = s.cells.find((c) => c.runId === row.id);
    const last = cell?.testAccuracy.at(-1);
    console.log(`■ run ${row.id}: ${row.status}${last !== undefined ? `, test ${pct(last)}` : ''}${row.error ? ` — ${row.error}` : ''} [${s.counts.completed}/${s.counts.total} completed]`);
  }

  /** Ends of this study's runs trained by another process (the app's runner). */
  poll(): void {
    const now = this.statuses();
    for (const [runId, status] of now) {
      if (this.seen.get(runId) !== status && ['completed', 'failed', 'stopped'].includes(status)) console.log(`■ run ${runId}: ${status}`);
    }
    this.seen = now;
  }

  done(): boolean {
    const s = studySummary(this.store, this.studyId);
    this.poll();
    return s.cells.every((c) => !c.queued && c.status !== 'running');
  }
}

function printSummary(s: StudySummary): void {
  console.log(`study ${s.id}: ${s.name} — ${s.counts.total} runs: ${s.counts.completed} completed, ${s.counts.running} running, ${s.counts.queued} queued, ${s.counts.failed} failed`);
  if (s.file.description) console.log(s.file.description);
  const width = Math.max(7, ...s.cells.map((c) => c.label.length));
  console.log(`\n  ${'cell'.padStart(4)}  ${'run'.padStart(4)}  ${'setting'.padEnd(width)}  ${'status'.padEnd(11)} epochs  last test`);
  for (const c of s.cells) {
    const last = c.testAccuracy.at(-1);
    console.log(`  ${String(c.index + 1).padStart(4)}  ${String(c.runId ?? '—').padStart(4)}  ${c.label.padEnd(width)}  ${(c.status ?? 'deleted').padEnd(11)} ${String(c.testAccuracy.length).padStart(6)}  ${last === undefined ? '—' : pct(last)}`);
  }
  console.log(`\nsummary: test accuracy over the last ${s.lastEpochs} epoch(s) of each completed run, pooled over seeds (spread: standard deviation of the runs' means over seeds, in points)`);
  console.log(summaryTable(s.groups).map((line) => `  ${line}`).join('\n'));
  if (s.file.paper?.note) console.log(`paper: ${s.file.paper.note}`);
  for (const g of s.groups) if (g.paper) console.log(`paper, ${g.label}: ${g.paper.source}`);
}

/** The summary rows as aligned text: setting, runs, mean ± spread, interval, and the paper's numbers. */
export function summaryTable(groups: readonly StudyGroup[]): string[] {
  const rows = [['setting', 'runs', 'mean ± spread', 'interval [min, max]', 'paper (mean [interval])']];
  for (const g of groups) {
    rows.push([
      g.label,
      `${g.completed}/${g.runs}`,
      g.mean === null ? '—' : `${pct(g.mean)}${g.spread === null ? '' : ` ± ${(100 * g.spread).toFixed(2)}`}`,
      g.min === null || g.max === null ? '—' : `[${pct(g.min)}, ${pct(g.max)}]`,
      g.paper ? `${pct(g.paper.mean)}${g.paper.interval ? ` [${pct(g.paper.interval[0])}, ${pct(g.paper.interval[1])}]` : ''}` : '—',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}
