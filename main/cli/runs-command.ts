import { EngineError } from '../../engine/errors';
import type { Store } from '../store/db';
import { getDataset } from '../store/datasets';
import { latestCheckpoint } from '../store/checkpoints';
import { deleteRun, duplicateRun, listMetrics, listRuns, requireRun, type RunRow } from '../store/runs';
import { need, pct } from './args';
import type { CliValues } from './cli';
import { follow } from './run-progress';

const USAGE = 'stbp runs list | show <id> | resume <id> | duplicate <id> | delete <id>';

export async function runsCommand(store: Store, args: string[], values: CliValues): Promise<number> {
  const [sub, idText] = args;
  if (sub === 'list') return list(store);
  if (!['show', 'resume', 'duplicate', 'delete'].includes(sub ?? '')) {
    throw new EngineError('bad-command', `unknown runs command ${JSON.stringify(sub ?? '')} (known: list, show, resume, duplicate, delete); usage: ${USAGE}`);
  }
  const id = Number(need(idText, 'a run id', USAGE));
  if (!Number.isInteger(id)) throw new EngineError('bad-option', `run id is ${JSON.stringify(idText)}; allowed: an integer (see stbp runs list)`);
  const run = requireRun(store, id);
  if (sub === 'show') return show(store, run);
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
  const resume = latestCheckpoint(store, id) !== undefined;
  console.log(resume ? `resuming run ${id} (${run.name}) from its last checkpoint` : `run ${id} has no checkpoint yet: starting it from the beginning`);
  return follow(store, id, resume, values.quiet === true);
}

function bestAccuracy(store: Store, run: RunRow): { epochs: number; best?: number } {
  const epochs = listMetrics(store, run.id, 'epoch');
  const accs = epochs.map((e) => e.values.testAccuracy).filter((a): a is number => typeof a === 'number');
  return { epochs: epochs.length, best: accs.length ? Math.max(...accs) : undefined };
}

function list(store: Store): number {
  const runs = listRuns(store);
  if (!runs.length) {
    console.log('no runs yet: try `stbp train --preset mlp-quick`');
    return 0;
  }
  console.log(`${'id'.padStart(4)}  ${'name'.padEnd(14)} ${'status'.padEnd(11)} ${'dataset'.padEnd(12)} epochs  best test  backend`);
  for (const r of runs) {
    const { epochs, best } = bestAccuracy(store, r);
    const total = (r.hyper as { epochs?: number }).epochs ?? '?';
    console.log(`${String(r.id).padStart(4)}  ${r.name.padEnd(14)} ${r.status.padEnd(11)} ${(getDataset(store, r.datasetId)?.name ?? '?').padEnd(12)} ${`${epochs}/${total}`.padEnd(7)} ${(best === undefined ? '—' : pct(best)).padEnd(10)} ${r.backendUsed ?? r.backendRequested}`);
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
  const ckpt = latestCheckpoint(store, run.id);
  if (ckpt) console.log(`  checkpoint epoch ${ckpt.epoch}, batch ${ckpt.batch} (${ckpt.reason}, ${ckpt.createdAt})`);
  for (const e of listMetrics(store, run.id, 'epoch')) {
    const v = e.values as { trainLoss: number; trainAccuracy: number; testAccuracy: number; seconds: number };
    console.log(`  epoch ${e.epoch}: loss ${v.trainLoss.toFixed(4)}, train ${pct(v.trainAccuracy)}, test ${pct(v.testAccuracy)}, ${v.seconds.toFixed(1)} s`);
  }
  return 0;
}
