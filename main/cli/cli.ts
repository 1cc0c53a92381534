import { BACKEND_NAMES } from '../../engine/backend/select';
import { SIMARD_MNIST } from '../../engine/augment/elastic';
import { checkAugmentations } from '../../engine/augment/registry';
import type { AugmentationConfig } from '../../engine/augment/types';
import { EngineError } from '../../engine/errors';
import { checkOptions, DEFAULT_TRAIN_OPTIONS, type TrainOptions } from '../../engine/train/options';
import { inferModel } from '../../engine/spec/infer';
import type { RunHyper } from '../runs/messages';
import { ensureMnist } from '../services/datasets';
import { openStore, type Store } from '../store/db';
import { createRun, recoverInterruptedRuns } from '../store/runs';
import { requireDataset, type DatasetRow } from '../store/datasets';
import { requireModel } from '../store/models';
import { modelParams } from '../services/models';
import type { ModelSpec } from '../../engine/spec/types';
import { num } from './args';
import { HELP, parseCli, type CliValues } from './options';
import { datasetsCommand } from './datasets-command';
import { listPresets, loadPreset } from '../services/presets';
import { follow } from './run-progress';
import { evaluateCommand, exportRunCommand, modelsCommand, predictCommand } from './models-command';
import { runsCommand } from './runs-command';
import { webCommand } from './web-command';
import { doctorCommand } from './doctor-command';
import { JOBS_HELP, jobsCommand } from './jobs-command';
import { asStoreError } from '../store/damage';

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(argv);
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${HELP}\n${JOBS_HELP}`);
    return values.help ? 0 : 1;
  }
  if (command === 'presets') {
    for (const p of await listPresets()) console.log(`${p.name.padEnd(10)} ${p.description}`);
    return 0;
  }
  if (command === 'web') return webCommand(values);
  // doctor reads a possibly damaged store as it is: opening it the usual way would migrate it.
  if (command === 'doctor') return doctorCommand(rest, { home: values.home, salvage: values.salvage });
  const commands = ['train', 'datasets', 'runs', 'models', 'export', 'predict', 'evaluate', 'jobs'];
  if (!commands.includes(command)) {
    throw new EngineError('bad-command', `unknown command ${JSON.stringify(command)} (known: ${commands.join(', ')}, presets, web, doctor; see stbp --help)`);
  }
  if (command === 'train') checkTrainFlags(values);
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
    return await trainCommand(store, values);
  } catch (e) {
    throw asStoreError(e, store.path); // a damaged store is one line, not SQLite's bare message
  } finally {
    store.close();
  }
}

function checkTrainFlags(values: CliValues): void {
  if (!values.preset && !values['from-model']) throw new EngineError('bad-option', 'train needs --preset <name> (see `stbp presets`) or --from-model <model> (see `stbp models list`)');
  if (!(BACKEND_NAMES as readonly string[]).includes(values.backend!)) {
    throw new EngineError('bad-option', `--backend is ${JSON.stringify(values.backend)}; allowed: ${BACKEND_NAMES.join(', ')}`);
  }
}

/** Values per sample a dataset feeds the input layer: pixels × channels, or 2 polarities × sensor. */
function datasetInputs(row: DatasetRow): number {
  const m = row.meta;
  if (row.kind === 'events') return 2 * (m.width ?? 0) * (m.height ?? 0);
  return (m.shape ?? [0, 0, 0]).reduce((a, b) => a * b, 1);
}

/**
 * What a run starts from: a preset (its spec and Table I settings), or a stored model to fine-tune
 * (its spec, its run's settings unless a preset is also named, and its weights).
 */
async function startingPoint(store: Store, values: CliValues): Promise<{ name: string; what: string; spec: ModelSpec; train: RunHyper }> {
  const preset = values.preset ? await loadPreset(values.preset) : undefined;
  if (!values['from-model']) return { ...preset!, what: `preset ${preset!.name}` };
  const model = requireModel(store, values['from-model']);
  const d = model.description;
  const trained = (d.provenance.settings ?? {}) as RunHyper;
  const own: RunHyper = Object.fromEntries(TRAIN_SETTING_KEYS.filter((k) => trained[k] !== undefined).map((k) => [k, trained[k]]));
  return { name: `${model.name}-tuned`, what: `model ${model.name}`, spec: d.spec, train: { ...(preset?.train ?? { ...own, steps: d.coding.steps }), initialModelId: model.id } };
}

/** The settings a fine-tuning run takes over from the model's own run. */
const TRAIN_SETTING_KEYS = ['epochs', 'steps', 'batchSize', 'optimizer', 'lr', 'loss', 'grad', 'network', 'init', 'initGain', 'augment', 'binning', 'seed'] as const;

async function trainCommand(store: Store, values: CliValues): Promise<number> {
  const preset = await startingPoint(store, values);
  const hyper: RunHyper = { ...preset.train };
  const set = <K extends keyof RunHyper>(key: K, v: RunHyper[K] | undefined) => {
    if (v !== undefined) hyper[key] = v;
  };
  set('epochs', num('epochs', values.epochs, true));
  set('steps', num('T', values.T, true));
  set('batchSize', num('batch', values.batch, true));
  set('lr', num('lr', values.lr, false));
  set('initGain', num('init-gain', values['init-gain'], false));
  set('optimizer', values.optimizer as TrainOptions['optimizer'] | undefined);
  set('loss', values.loss as TrainOptions['loss'] | undefined);
  set('grad', values.grad as TrainOptions['grad'] | undefined);
  set('limit', num('limit', values.limit, true));
  set('testLimit', num('test-limit', values['test-limit'], true));
  set('threads', num('threads', values.threads, true));
  if (values.twin) {
    hyper.network = 'twin';
    // The presets' gain lifts potentials to Vth; the twin has none (engine/train/options.ts withDefaults).
    hyper.initGain = num('init-gain', values['init-gain'], false) ?? 1;
  }
  hyper.augment = augmentFlags(values, hyper.augment ?? []);
  if (hyper.augment.length === 0) delete hyper.augment;
  const vth = num('vth', values.vth, false);
  const spec = vth === undefined ? preset.spec : { ...preset.spec, neuron: { ...preset.spec.neuron, vth } };
  const seed = num('seed', values.seed, true) ?? hyper.seed ?? 1;
  // Refuse bad settings here, before a run is recorded for them.
  checkOptions({ ...DEFAULT_TRAIN_OPTIONS, ...hyper, seed });
  const plan = inferModel(spec);
  if (values.bin !== undefined || values['dt-us'] !== undefined) {
    const dtUs = num('dt-us', values['dt-us'], false);
    hyper.binning = { mode: (values.bin ?? 'time') as 'time' | 'count', ...(dtUs !== undefined ? { dtUs } : {}) };
  }
  const dataset = values.dataset ? requireDataset(store, values.dataset) : await ensureMnist(store);
  const inputs = datasetInputs(dataset);
  if (inputs !== plan.inputSize) {
    throw new EngineError('bad-data', `${preset.what} takes ${plan.inputSize} inputs per sample ([${plan.inputShape.join(', ')}]); dataset ${dataset.name} gives ${inputs}: pick a matching --dataset (stbp datasets list)`);
  }
  if (hyper.initialModelId !== undefined) modelParams(store, hyper.initialModelId, plan); // the weights fit the spec
  const runId = createRun(store, {
    name: values.name ?? preset.name, datasetId: dataset.id, spec, hyper, seed, backendRequested: values.backend!,
  });
  const distortions = hyper.augment?.map((a) => (a.name === 'elastic' ? `elastic a=${a.alpha} s=${a.sigma}` : `shift ${a.max}`)).join(', ');
  const settings = hyper.network === 'twin'
    ? `, non-spiking twin (batch=${hyper.batchSize} ${hyper.optimizer} lr=${hyper.lr} loss=${hyper.loss} init-gain=${hyper.initGain} seed=${seed}`
    : ` (T=${hyper.steps} batch=${hyper.batchSize} ${hyper.optimizer} lr=${hyper.lr} loss=${hyper.loss} grad=${hyper.grad} seed=${seed}`;
  const from = hyper.initialModelId !== undefined ? `, from model ${hyper.initialModelId}'s weights` : '';
  console.log(`run ${runId}: ${preset.name} on ${dataset.name}${settings}${distortions ? `; ${distortions}` : ''}${from})`);
  return follow(store, runId, false, values.quiet === true);
}

/** The preset's distortions, changed by --no-augment, --elastic[-alpha|-sigma] and --shift. */
function augmentFlags(values: CliValues, preset: readonly AugmentationConfig[]): AugmentationConfig[] {
  let out = values['no-augment'] ? [] : [...preset];
  const alpha = num('elastic-alpha', values['elastic-alpha'], false);
  const sigma = num('elastic-sigma', values['elastic-sigma'], false);
  if (values.elastic || alpha !== undefined || sigma !== undefined) {
    const old = out.find((a) => a.name === 'elastic') ?? SIMARD_MNIST;
    const elastic = { ...SIMARD_MNIST, ...old, ...(alpha !== undefined && { alpha }), ...(sigma !== undefined && { sigma }) };
    out = [elastic, ...out.filter((a) => a.name !== 'elastic')];
  }
  const shift = num('shift', values.shift, true);
  if (shift !== undefined) {
    out = out.filter((a) => a.name !== 'shift');
    if (shift > 0) out.push({ name: 'shift', max: shift });
  }
  return checkAugmentations(out);
}
