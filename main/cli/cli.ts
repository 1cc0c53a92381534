import { EngineError } from '../../engine/errors';
import { openStore, type Store } from '../store/db';
import { createRun, recoverInterruptedRuns } from '../store/runs';
import { checkRequest, flagName, prepareRun, requestFromFlags } from '../services/train-request';
import { HELP, parseCli, type CliValues } from './options';
import { datasetsCommand } from './datasets-command';
import { listPresets } from '../services/presets';
import { follow } from './run-progress';
import { evaluateCommand, exportRunCommand, modelsCommand, predictCommand } from './models-command';
import { runsCommand } from './runs-command';
import { webCommand } from './web-command';
import { doctorCommand } from './doctor-command';
import { JOBS_HELP, jobsCommand } from './jobs-command';
import { STUDY_HELP, studyCommand } from './study-command';
import { asStoreError } from '../store/damage';

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(argv);
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${HELP}\n${JOBS_HELP}\n${STUDY_HELP}`);
    return values.help ? 0 : 1;
  }
  if (command === 'presets') {
    for (const p of await listPresets()) console.log(`${p.name.padEnd(10)} ${p.description}`);
    return 0;
  }
  if (command === 'web') return webCommand(values);
  // doctor reads a possibly damaged store as it is: opening it the usual way would migrate it.
  if (command === 'doctor') return doctorCommand(rest, { home: values.home, salvage: values.salvage });
  const commands = ['train', 'datasets', 'runs', 'models', 'export', 'predict', 'evaluate', 'jobs', 'study'];
  if (!commands.includes(command)) {
    throw new EngineError('bad-command', `unknown command ${JSON.stringify(command)} (known: ${commands.join(', ')}, presets, web, doctor; see stbp --help)`);
  }
  if (command === 'train') checkRequest(requestFromFlags(values), flagName, 'train'); // before any store is opened
  const store = openStore({ home: values.home });
  try {
    recoverInterruptedRuns(store);
    if (command === 'datasets') return await datasetsCommand(store, rest, values);
    if (command === 'runs') return await runsCommand(store, rest, values);
    if (command === 'models') return await modelsCommand(store, rest, values);
    if (command === 'export') return await exportRunCommand(store, rest, values);
    if (command === 'predict') return await predictCommand(store, rest, values);
    if (command === 'evaluate') return await evaluateCommand(store, rest, values);
    if (command === 'jobs') return await jobsCommand(store, rest, values);
    if (command === 'study') return await studyCommand(store, rest, values);
    return await trainCommand(store, values);
  } catch (e) {
    throw asStoreError(e, store.path); // a damaged store is one line, not SQLite's bare message
  } finally {
    store.close();
  }
}

async function trainCommand(store: Store, values: CliValues): Promise<number> {
  const { start, plan, dataset, run } = await prepareRun(store, requestFromFlags(values));
  const runId = createRun(store, run);
  const { hyper, seed } = plan;
  const distortions = hyper.augment?.map((a) => (a.name === 'elastic' ? `elastic a=${a.alpha} s=${a.sigma}` : `shift ${a.max}`)).join(', ');
  const settings = hyper.network === 'twin'
    ? `, non-spiking twin (batch=${hyper.batchSize} ${hyper.optimizer} lr=${hyper.lr} loss=${hyper.loss} init-gain=${hyper.initGain} seed=${seed}`
    : ` (T=${hyper.steps} batch=${hyper.batchSize} ${hyper.optimizer} lr=${hyper.lr} loss=${hyper.loss} grad=${hyper.grad} seed=${seed}`;
  const from = hyper.initialModelId !== undefined ? `, from model ${hyper.initialModelId}'s weights` : '';
  console.log(`run ${runId}: ${start.name} on ${dataset.name}${settings}${distortions ? `; ${distortions}` : ''}${from})`);
  return follow(store, runId, false, values.quiet === true);
}
