import { EngineError } from '../../engine/errors';
import type { Store } from '../store/db';
import { getDataset } from '../store/datasets';
import { runSummary } from '../api/runs';
import { latestCheckpoint, listCheckpoints } from '../store/checkpoints';
import { deleteRun, duplicateRun, listRuns, requireRun, type RunRow } from '../store/runs';
import { listMetrics } from '../store/metrics';
import { need, pct } from './args';
import type { CliValues } from './options';
import { follow, progressText, stopText } from './run-progress';
import { exportRun } from './runs-export';
import { followJobCommand, importJobCommand } from './jobs-command';
import { JOB_BACKEND } from '../services/jobs-record';

const USAGE = 'stbp runs list | show <id> | resume <id> | duplicate <id> | delete <id> | export <id> --csv|--json | import-job <dir> | follow <dir>';

export async function runsCommand(store: Store, args: string[], values: CliValues): Promise<number> {
  const [sub, idText] = args;
  if (sub === 'list') return list(store);
  if (sub === 'import-job') return importJobCommand(store, args.slice(1), values);
  if (sub === 'follow') return followJobCommand(store, args.slice(1), values);
  if (!['show', 'resume', 'duplicate', 'delete', 'export'].includes(sub ?? '')) {
    throw new EngineError('bad-command', `unknown runs command ${JSON.stringify(sub ?? '')} (known: list, show, resume, duplicate, delete, export, import-job, follow); usage: ${USAGE}`);
  }
  const id = Number(need(idText, 'a run id', USAGE));
  if (!Number.isInteger(id)) throw new EngineError('bad-option', `run id is ${JSON.stringify(idText)}; allowed: an integer (see stbp runs list)`);
  const run = requireRun(store, id);
  if (sub === 'show') return show(store, run);
  if (sub === 'export') return exportRun(store, run, values);
  if (sub === 'duplicate') {
    const copy = duplicateRun(store, id, { name: values.name });
    console.log(`run ${copy}: a copy of run ${id} (same spec, settings, dataset and seed); start it with stbp runs resume ${copy}`);
    return 0;
  }
  if (sub === 'delete') {
    deleteRun(store, id);
    console.log(`deleted run ${id} (${run.name}) with its metrics, probes and checkpoints`);
    return 0;
  }
  if (run.status === 'completed') throw new EngineError('bad-state', `run ${id} is completed; duplicate it to train again`);
  if (run.backendRequested === JOB_BACKEND) {
    throw new EngineError('bad-state', `run ${id} was trained by a PyTorch job, which keeps its own optimiser state: continue it with \`stbp jobs start <its folder> --resume\` (the folder is in its notes: stbp runs show ${id})`);
  }
  const resume = latestCheckpoint(store, id) !== undefined;
  console.log(resume ? `resuming run ${id} (${run.name}) from its last checkpoint` : `run ${id} has no checkpoint yet: starting it from the beginning`);
  return follow(store, id, resume, values.quiet === true);
}

function list(store: Store): number {
  const runs = listRuns(store);
  if (!runs.length) {
    console.log('no runs yet: try `stbp train --preset mlp-quick`');
    return 0;
  }
  console.log(`${'id'.padStart(4)}  ${'name'.padEnd(14)} ${'status'.padEnd(11)} ${'dataset'.padEnd(12)} ${'progress'.padEnd(28)} best test  ${'verdict'.padEnd(13)} backend`);
  for (const r of runs) {
    const s = runSummary(store, r, null);
    const best = s.final?.bestTestAccuracy;
    console.log(
      `${String(r.id).padStart(4)}  ${r.name.padEnd(14)} ${r.status.padEnd(11)} ${(s.datasetName ?? '?').padEnd(12)} ${progressText(s.progress).padEnd(28)} ` +
        `${(best === undefined ? '—' : pct(best)).padEnd(10)} ${(s.verdict?.kind ?? '—').padEnd(13)} ${r.backendUsed ?? r.backendRequested}`,
    );
  }
  return 0;
}

function show(store: Store, run: RunRow): number {
  const ds = getDataset(store, run.datasetId);
  console.log(`run ${run.id}: ${run.name}`);
  console.log(`  status     ${run.status}${run.error ? ` — ${run.error}` : ''}`);
  console.log(`  dataset    ${ds?.name ?? run.datasetId}`);
  console.log(`  backend    ${run.backendUsed ?? `${run.backendRequested} (not started)`}`);
  console.log(`  seed       ${run.seed}`);
  console.log(`  created    ${run.createdAt}${run.startedAt ? `, started ${run.startedAt}` : ''}${run.endedAt ? `, ended ${run.endedAt}` : ''}`);
  console.log(`  hyper      ${JSON.stringify(run.hyper)}`);
  console.log(`  spec       ${JSON.stringify(run.spec)}`);
  const s = runSummary(store, run, null);
  const p = s.progress;
  if (p) {
    const samples = p.samplesSeen === undefined ? '' : `, ${p.samplesSeen.toLocaleString('en-US')} of ${p.samplesTotal!.toLocaleString('en-US')} samples seen`;
    console.log(`  progress   epoch ${p.epoch} of ${p.epochs}, batch ${p.batch} of ${p.batches} (${Math.round((100 * p.batch) / p.batches)}% of the epoch)${samples}`);
  }
  if (s.stop) console.log(`  stop       ${stopText(s.stop)}`);
  if (s.verdict) console.log(`  verdict    ${s.verdict.message}`);
  const ckpt = listCheckpoints(store, run.id)[0];
  if (ckpt) console.log(`  checkpoint epoch ${ckpt.epoch}, batch ${ckpt.batch} (${ckpt.reason}, ${ckpt.createdAt})`);
  for (const e of listMetrics(store, run.id, 'epoch')) {
    const v = e.values as { trainLoss: number; trainAccuracy: number; testAccuracy: number; seconds: number };
    console.log(`  epoch ${e.epoch}: loss ${v.trainLoss.toFixed(4)}, train ${pct(v.trainAccuracy)}, test ${pct(v.testAccuracy)}, ${v.seconds.toFixed(1)} s`);
  }
  return 0;
}
