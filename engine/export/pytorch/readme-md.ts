import type { ModelPlan } from '../../spec/infer';
import type { JobInput } from './types';
import { JOB_OUTPUTS } from './types';

/** README.md: what the folder holds and the one-line commands to run it anywhere. */
export function readmeMd(input: JobInput, plan: ModelPlan): string {
  const s = input.settings;
  const d = input.dataset;
  const augment = s.augment?.length ? s.augment.map((a) => JSON.stringify(a)).join(', ') : 'none';
  const fineTune = input.initWeights
    ? `It starts from the weights in \`${input.initWeights}\` (fine-tuning; \`--weights other.nir\` or \`--weights ""\` with \`--init\` to change that).\n`
    : '';
  const out = JOB_OUTPUTS;
  return `# ${input.name}: a PyTorch job from the STBP Workbench

The workbench's spiking network ${plan.inputShape.join('x')} → ${plan.classes} classes (${plan.params.toLocaleString('en-US')} parameters) and its run
settings, as plain PyTorch: STBP (Wu et al. 2018) with the same forward, surrogate gradients and
gradient mode as the workbench's engine, trained in one process or data-parallel with
DistributedDataParallel under \`torchrun\`. Needs only \`python3\` with \`torch\`, \`numpy\` and \`h5py\`
(no torchvision, no downloads). ${fineTune}
| file | what |
|---|---|
| \`model.py\` | the network as a \`torch.nn.Module\` (LIF, surrogates h1–h4, gradient modes, initialisers, Bernoulli coding); edit freely |
| \`train.py\` | training: the run's settings as flag defaults, DDP under torchrun, checkpoints, metrics, NIR weights |
| \`data.py\` | reads \`data/\` and turns a batch into input spikes (distortions of training images included) |
| \`nir_io.py\` | weights to and from NIR files with h5py |
| \`data/\` | ${d.name}: ${d.train} training and ${d.test} test ${d.kind === 'events' ? 'event streams' : 'images'} (gzip IDX, see \`data/dataset.json\`) |
| \`job.json\` | the spec and settings as the workbench reads them back |

Settings (defaults of \`train.py\`; \`python3 train.py --help\` lists every flag): ${s.epochs} epochs, T = ${s.steps},
global batch ${s.batchSize}, ${s.optimizer} lr ${s.lr}, loss ${s.loss}, gradient ${s.grad}, init ${s.init} × ${s.initGain},
seed ${s.seed}, augmentation ${augment}${s.binning ? `, event binning ${JSON.stringify(s.binning)}` : ''}${s.limit !== undefined ? `, first ${s.limit} training samples` : ''}${s.testLimit !== undefined ? `, first ${s.testLimit} test samples` : ''}.

## Run it

\`\`\`sh
python3 train.py                                        # a laptop: one process, CUDA if available, else CPU
python3 train.py --epochs 100 --lr 5e-4                 # any setting overridden by a flag
torchrun --standalone --nproc_per_node=4 train.py       # 4 processes on this machine (gloo on CPU, nccl on GPUs)
torchrun --nnodes=2 --nproc_per_node=8 --rdzv_backend=c10d --rdzv_endpoint=head-node:29500 --rdzv_id=job1 train.py
                                                        # the same line on each of 2 nodes (16 GPUs), head-node reachable from all
python3 train.py --resume                               # continue after a stop (SIGTERM, Ctrl-C) or a crash
\`\`\`

\`--batch\` is the global mini-batch: with N processes each takes batch / N samples and
DistributedDataParallel averages the gradients, so the learning rate needs no change with N. Each
process draws its own Bernoulli coding and distortions; rank 0 evaluates on the test set after every
epoch and writes the outputs. On CPU, torchrun gives each process one thread (\`OMP_NUM_THREADS=1\`);
\`--threads\` changes it. Debian 12's \`python3-torch\` (torch 1.13 on Python 3.11) has a torchrun that
fails before starting any process (\`AttributeError: 'NoneType' object has no attribute 'get'\`);
\`torchrun --redirects 1 --tee 1 …\` works around it; and its \`--standalone\` always takes port 29400, so
two jobs at once on one machine must each name their own rendezvous instead: \`--nnodes=1
--rdzv_backend=c10d --rdzv_endpoint=127.0.0.1:<free port> --rdzv_id=<name>\` (\`stbp jobs start\`
does both).

Several nodes need a shared or copied job folder and a reachable rendezvous host. With SLURM, one
task per node:

\`\`\`sh
srun torchrun --nnodes=$SLURM_NNODES --nproc_per_node=$GPUS_PER_NODE --rdzv_backend=c10d \\
  --rdzv_endpoint=$(scontrol show hostnames | head -1):29500 --rdzv_id=$SLURM_JOB_ID train.py
\`\`\`

## What it writes (\`--out\`, default \`${out.folder}/\`)

- \`${out.metrics}\`: one JSON object per line: a \`header\` (spec, settings, world size, device, torch
  version), then a \`batch\` line per optimiser step and an \`epoch\` line per epoch (the workbench's
  BatchReport / EpochReport fields plus \`samples\`: how many samples the step or epoch used over all
  processes), \`weights\` lines when a NIR file is written, and an \`end\` line (completed or stopped)
  or an \`error\` line.
- \`${out.final}\` (the latest weights) and \`${out.best}\` (the best test accuracy so far), as NIR.
- \`${out.checkpoint}\`: weights, optimiser state and position, for \`--resume\`.

Back in the workbench: \`stbp runs import-job <this folder>\` records the job as a run (metrics,
weights, provenance); \`stbp runs follow <this folder>\` does it live while the job runs (e.g. on a
cluster's shared disk); \`stbp jobs start <this folder> --nproc N\` runs it here under torchrun.

## Sweeps

Every setting is a flag, and \`--out\` keeps runs apart, so any scheduler can drive a sweep:

\`\`\`sh
# SLURM array: one learning rate per task (lrs.txt holds one per line)
#SBATCH --array=1-8
python3 train.py --lr $(sed -n "\${SLURM_ARRAY_TASK_ID}p" lrs.txt) --out out/lr-$SLURM_ARRAY_TASK_ID
\`\`\`

\`\`\`python
# Ray Tune: train.train(argv, on_epoch) runs in-process and reports every epoch
import os, sys
from ray import tune
JOB = "/path/to/this/folder"

def trainable(config):
    sys.path.insert(0, JOB)
    import train
    train.train(["--lr", str(config["lr"]), "--T", str(config["T"]), "--out", os.path.join(os.getcwd(), "out")],
                on_epoch=lambda r: tune.report(test_accuracy=r["testAccuracy"], loss=r["trainLoss"]))

tune.run(trainable, config={"lr": tune.loguniform(1e-4, 1e-2), "T": tune.choice([8, 16, 30])})
\`\`\`

Each sweep member's \`out/\` folder imports into the workbench like any job folder
(\`stbp runs import-job <folder> --out out/lr-3\` picks one).
`;
}
