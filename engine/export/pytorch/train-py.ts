import { pyLiteral } from './python';
import type { JobSettings } from './types';
import { JOB_OUTPUTS } from './types';

/**
 * train.py: the run's settings as argparse defaults; one process, or DistributedDataParallel when
 * torchrun starts it; metrics as JSON lines in the workbench's shape; checkpoints; NIR weights.
 * Only the header (job name, settings, default weights file, NIR dt) depends on the job.
 */
export function trainPy(name: string, settings: JobSettings, initWeights: string | undefined, dt: number): string {
  return head(name, settings, initWeights, dt) + BODY;
}

/** The settings train.py records and defaults to, in the workbench's names. */
function settingsDict(s: JobSettings): Record<string, unknown> {
  return {
    epochs: s.epochs, steps: s.steps, batchSize: s.batchSize, optimizer: s.optimizer, lr: s.lr, loss: s.loss, grad: s.grad,
    init: s.init, initGain: s.initGain, seed: s.seed, augment: s.augment ?? [],
    limit: s.limit ?? null, testLimit: s.testLimit ?? null, binning: s.binning ?? null,
  };
}

function head(name: string, settings: JobSettings, initWeights: string | undefined, dt: number): string {
  const weights = initWeights ? `os.path.join(HERE, ${JSON.stringify(initWeights)})` : 'None';
  const augmentNote = settings.augment?.length
    ? '# Augmentations run with torch ops (data.py): elastic distortion with grid_sample, shifts by slicing.\n'
    : '';
  return String.raw`#!/usr/bin/env python3
"""Train ${name.replace(/"""/g, "'''").replace(/\\/g, '/')} with STBP on PyTorch: one process, or DistributedDataParallel under torchrun.

    python3 train.py                                     one process (CUDA if available, else CPU)
    torchrun --standalone --nproc_per_node=2 train.py    2 processes on this machine (gloo on CPU, nccl on GPUs)

The defaults are the workbench run's settings; each flag overrides one (python3 train.py --help).
--batch is the global mini-batch: each of the N processes takes batch / N samples of it and
DistributedDataParallel averages their gradients, so one optimiser step sees the same samples
whatever N. Writes into --out: metrics.jsonl (a header line, then one JSON object per batch and
per epoch in the workbench's shape, which 'stbp runs import-job' and 'stbp runs follow' read),
checkpoint.pt (--resume continues from it), final.nir (the latest weights) and best.nir (the best
test accuracy so far). SIGTERM or Ctrl-C stops after the batch in progress with a checkpoint.
"""
import argparse
import datetime
import json
import math
import os
import platform
import signal
import socket
import sys
import time
import traceback

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data.distributed import DistributedSampler

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import data  # noqa: E402
import model  # noqa: E402
import nir_io  # noqa: E402

JOB = ${JSON.stringify(name)}

# The workbench run's settings, in its names; the flags below default to them.
${augmentNote}SETTINGS = ${pyLiteral(settingsDict(settings))}
WEIGHTS = ${weights}
NIR_DT = ${dt}
`;
}

const BODY = String.raw`

def parse_args(argv=None):
    s = SETTINGS
    p = argparse.ArgumentParser(description=f"Train {JOB} with STBP (Wu et al. 2018) on PyTorch.")
    p.add_argument("--epochs", type=int, default=s["epochs"], help="passes over the training set")
    p.add_argument("--T", type=int, default=s["steps"], help="time steps per sample, the window T")
    p.add_argument("--batch", type=int, default=s["batchSize"], help="global mini-batch, split evenly over the processes")
    p.add_argument("--optimizer", choices=("adam", "sgd"), default=s["optimizer"], help="adam: betas 0.9, 0.999, eps 1e-8")
    p.add_argument("--lr", type=float, default=s["lr"], help="learning rate")
    p.add_argument("--loss", choices=("mse", "ce"), default=s["loss"],
                   help="mse: rate MSE of eq. 9, 1/2 ||y - counts/T||^2; ce: softmax cross-entropy on spike counts")
    p.add_argument("--grad", choices=model.GRAD_MODES, default=s["grad"], help="which temporal terms the backward keeps (model.LIF)")
    p.add_argument("--init", choices=model.INITIALISERS, default=s["init"], help="initialiser (model.init_weights)")
    p.add_argument("--init-gain", type=float, default=s["initGain"], help="multiplies the initial weights")
    p.add_argument("--seed", type=int, default=s["seed"], help="initial weights, shuffling, coding and distortions")
    p.add_argument("--augment", type=json.loads, default=s["augment"],
                   help='distortions of training images, JSON: [{"name": "elastic", "alpha": 34, "sigma": 4}, {"name": "shift", "max": 2}]; [] for none')
    p.add_argument("--limit", type=int, default=s["limit"], help="train on the first n samples only")
    p.add_argument("--test-limit", type=int, default=s["testLimit"], help="evaluate on the first n test samples only")
    p.add_argument("--binning", type=json.loads, default=s["binning"],
                   help='event datasets: {"mode": "count"} or {"mode": "time", "dtUs": 1000}')
    p.add_argument("--weights", default=WEIGHTS, help="start from these weights (a NIR file, fine-tuning) instead of --init")
    p.add_argument("--data", default=os.path.join(HERE, "data"), help="the dataset folder")
    p.add_argument("--out", default=os.path.join(HERE, "out"), help="where metrics, checkpoint and weights go")
    p.add_argument("--resume", action="store_true", help="continue from <out>/checkpoint.pt")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="auto: CUDA if available")
    p.add_argument("--threads", type=int, help="CPU threads per process (torchrun sets OMP_NUM_THREADS=1)")
    p.add_argument("--dt", type=float, default=NIR_DT, help="time step in seconds the NIR files' LIF constants are written for")
    return p.parse_args(argv)


def workbench_settings(args):
    """The settings in effect, in the workbench's names (recorded in the metrics header)."""
    return {
        "epochs": args.epochs, "steps": args.T, "batchSize": args.batch, "optimizer": args.optimizer, "lr": args.lr,
        "loss": args.loss, "grad": args.grad, "network": "spiking", "init": args.init, "initGain": args.init_gain,
        "seed": args.seed, "augment": args.augment, "limit": args.limit, "testLimit": args.test_limit, "binning": args.binning,
    }


class Context:
    """This process in the job: rank and world size from torchrun's environment (RANK, WORLD_SIZE,
    LOCAL_RANK; alone without it), its device, and sums over all processes."""

    def __init__(self, device):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        cuda = torch.cuda.is_available() if device == "auto" else device == "cuda"
        self.device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0"))) if cuda else torch.device("cpu")
        if cuda:
            torch.cuda.set_device(self.device)
        self.backend = None
        if self.world > 1:
            self.backend = "nccl" if cuda else "gloo"
            dist.init_process_group(self.backend)

    @property
    def main(self):
        return self.rank == 0

    def describe_device(self):
        if self.device.type == "cuda":
            return f"{self.device} ({torch.cuda.get_device_name(self.device)})"
        return f"cpu ({platform.machine()}, {torch.get_num_threads()} threads per process)"

    def sum(self, values):
        """values summed over every process (each process passes its own)."""
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        if self.world > 1:
            dist.all_reduce(t)
        return t.tolist()

    def barrier(self):
        if self.world > 1:
            dist.barrier()

    def close(self):
        if self.world > 1:
            dist.destroy_process_group()


class StopRequest:
    """SIGTERM or SIGINT (Ctrl-C): finish the batch in progress, checkpoint, end. Repeats change
    nothing (torchrun passes its own signal on to every process, which has the terminal's too);
    SIGKILL ends a process at once."""

    def __init__(self):
        self.requested = False
        for s in (signal.SIGTERM, signal.SIGINT):
            signal.signal(s, self.handle)

    def handle(self, signum, frame):
        self.requested = True


class Metrics:
    """<out>/metrics.jsonl: one JSON object per line, flushed at once (the workbench tails the file)."""

    def __init__(self, path, append):
        self.file = open(path, "a" if append else "w")

    def write(self, kind, **fields):
        self.file.write(json.dumps({"type": kind, **fields}, allow_nan=False) + "\n")
        self.file.flush()


def per_sample_loss(name, counts, labels, T):
    """Each sample's loss on its output spike counts [batch, classes] over T steps:
    mse (eq. 9): 1/2 ||y - counts / T||^2 with y one-hot; ce: -log softmax(counts)[label]."""
    if name == "mse":
        y = F.one_hot(labels, counts.shape[1]).to(counts.dtype)
        return 0.5 * ((y - counts / T) ** 2).sum(dim=1)
    return F.cross_entropy(counts, labels, reduction="none")


def batch_generator(seed, epoch, batch, rank):
    """The random stream of one batch on one process (coding, distortions), seeded from counters
    only: a job resumed with as many processes draws exactly what an uninterrupted one would have."""
    return torch.Generator().manual_seed(((((seed * 1_000_003) + epoch) * 1_000_003 + batch) * 1_009 + rank) % 2**63)


def make_optimizer(args, params):
    if args.optimizer == "adam":
        return torch.optim.Adam(params, lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
    return torch.optim.SGD(params, lr=args.lr)


def evaluate(net, test_set, args, epoch, device):
    """Test accuracy and confusion counts [truth * classes + predicted], the test set coded with a
    stream seeded by seed + epoch (reproducible, apart from training's)."""
    generator = torch.Generator().manual_seed(args.seed + epoch)
    classes = net.classes
    confusion = torch.zeros(classes * classes, dtype=torch.int64)
    with torch.no_grad():
        for start in range(0, len(test_set), args.batch):
            idx = list(range(start, min(start + args.batch, len(test_set))))
            spikes = test_set.spikes(idx, args.T, net.input_shape, generator).to(device)
            predicted = net(spikes).sum(0).argmax(1).cpu()
            confusion.index_add_(0, test_set.labels[idx] * classes + predicted, torch.ones(len(idx), dtype=torch.int64))
    correct = int(confusion.view(classes, classes).trace())
    return (correct / len(test_set) if len(test_set) else 0.0), confusion.tolist()


def save_checkpoint(path, net, optimizer, state):
    tmp = path + ".tmp"
    torch.save({"model": net.state_dict(), "optimizer": optimizer.state_dict(), **state}, tmp)
    os.replace(tmp, path)


def train(argv=None, on_epoch=None):
    """Run the job; returns the last epoch's figures. on_epoch(report) is called on rank 0 after
    every epoch (e.g. to report to Ray Tune)."""
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    ctx = Context(args.device)
    stop = StopRequest()
    os.makedirs(args.out, exist_ok=True)
    metrics = Metrics(os.path.join(args.out, "${JOB_OUTPUTS.metrics}"), append=args.resume) if ctx.main else None
    try:
        return run(args, ctx, stop, metrics, on_epoch)
    except BaseException as e:
        if metrics:
            metrics.write("error", message=f"{type(e).__name__}: {e}", traceback=traceback.format_exc())
        raise
    finally:
        ctx.close()


def run(args, ctx, stop, metrics, on_epoch):
    net = model.Net(grad=args.grad)
    if args.weights:
        nir_io.load(net, args.weights)
    else:
        model.init_weights(net, args.init, args.init_gain, torch.Generator().manual_seed(args.seed))
    net.to(ctx.device)
    optimizer = make_optimizer(args, net.parameters())
    train_set = data.load(args.data, "train", args.limit, args.binning)
    test_set = data.load(args.data, "test", args.test_limit, args.binning) if ctx.main else None
    paths = {k: os.path.join(args.out, f) for k, f in
             (("checkpoint", "${JOB_OUTPUTS.checkpoint}"), ("final", "${JOB_OUTPUTS.final}"), ("best", "${JOB_OUTPUTS.best}"))}
    state = {"epoch": 1, "batch": 0, "step": 0, "best": None, "sums": None, "seconds": 0.0}
    if args.resume:
        saved = torch.load(paths["checkpoint"], map_location="cpu")
        net.load_state_dict(saved.pop("model"))
        optimizer.load_state_dict(saved.pop("optimizer"))
        state.update(saved)
    resumed = {"epoch": state["epoch"], "batch": state["batch"]} if args.resume else None
    ddp = DistributedDataParallel(net, device_ids=[ctx.device.index] if ctx.device.type == "cuda" else None) if ctx.world > 1 else net

    # DistributedSampler pads the shuffled order to a multiple of the world size, so every process
    # has as many batches, of the same sizes (a padded sample repeats at most world - 1 times per epoch).
    local = -(-args.batch // ctx.world)
    sampler = DistributedSampler(range(len(train_set)), num_replicas=ctx.world, rank=ctx.rank, shuffle=True, seed=args.seed)
    batches = -(-sampler.num_samples // local)
    layers = len(net.spiking_layers())
    if ctx.main:
        metrics.write(
            "header", job=JOB, spec=model.SPEC, settings=workbench_settings(args), worldSize=ctx.world,
            distributed=ctx.backend, device=ctx.describe_device(), torch=torch.__version__, python=platform.python_version(),
            host=socket.gethostname(), pid=os.getpid(), globalBatch=local * ctx.world, localBatch=local, batches=batches,
            trainSamples=len(train_set), testSamples=len(test_set), resumed=resumed,
            weights=os.path.basename(args.weights) if args.weights else None,
            startedAt=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
        print(f"{JOB}: {ctx.world} process(es) ({ctx.backend or 'no process group'}, {ctx.describe_device()}), "
              f"global batch {local * ctx.world} ({local} per process), {batches} batches per epoch", flush=True)

    def write_weights(file, epoch, batch, accuracy, reason):
        nir_io.write(paths[file], net, args.dt, {"model_name": JOB, "steps": args.T, "epoch": epoch, "batch": batch})
        metrics.write("weights", file=os.path.basename(paths[file]), epoch=epoch, batch=batch, testAccuracy=accuracy, reason=reason)

    report = None
    for epoch in range(state["epoch"], args.epochs + 1):
        sampler.set_epoch(epoch)
        order = list(sampler)
        first = state["batch"] if epoch == state["epoch"] else 0
        sums = state["sums"] if first > 0 and state["sums"] else {"loss": 0.0, "correct": 0.0, "seen": 0.0, "rates": [0.0] * layers}
        seconds = state["seconds"] if first > 0 else 0.0
        for b in range(first, batches):
            started = time.perf_counter()
            idx = order[b * local:(b + 1) * local]
            spikes = train_set.spikes(idx, args.T, net.input_shape, batch_generator(args.seed, epoch, b, ctx.rank), args.augment)
            labels = train_set.labels[idx].to(ctx.device)
            counts = ddp(spikes.to(ctx.device)).sum(0)
            losses = per_sample_loss(args.loss, counts, labels, args.T)
            optimizer.zero_grad(set_to_none=True)
            losses.mean().backward()  # every process has as many samples: DDP's mean is the global batch's
            optimizer.step()
            correct = (counts.detach().argmax(1) == labels).sum().item()
            n = len(idx)
            total = ctx.sum([losses.detach().sum().item(), correct, n, *(r * n for r in net.firing_rates()), float(stop.requested)])
            seconds += time.perf_counter() - started
            state["step"] += 1
            seen = total[2]
            if not math.isfinite(total[0]):
                raise FloatingPointError(f"training diverged: the loss is {total[0] / seen} at epoch {epoch}, batch {b + 1}")
            sums["loss"] += total[0]
            sums["correct"] += total[1]
            sums["seen"] += seen
            sums["rates"] = [a + r for a, r in zip(sums["rates"], total[3:3 + layers])]
            if ctx.main:
                metrics.write("batch", step=state["step"], epoch=epoch, batch=b + 1, batches=batches, loss=total[0] / seen,
                              accuracy=total[1] / seen, firingRates=[r / seen for r in total[3:3 + layers]],
                              samplesPerSecond=sums["seen"] / seconds, samples=int(seen), worldSize=ctx.world)
            if total[-1] > 0:
                if ctx.main:
                    write_weights("final", epoch, b + 1, None, "stop")
                    save_checkpoint(paths["checkpoint"], net, optimizer,
                                    {**state, "epoch": epoch, "batch": b + 1, "sums": sums, "seconds": seconds})
                    metrics.write("end", status="stopped", epoch=epoch, batch=b + 1)
                    print(f"stopped at epoch {epoch}, batch {b + 1} of {batches}: resume with --resume", flush=True)
                return report
        if ctx.main:
            accuracy, confusion = evaluate(net, test_set, args, epoch, ctx.device)
            seen = sums["seen"]
            report = {
                "epoch": epoch, "trainLoss": sums["loss"] / seen, "trainAccuracy": sums["correct"] / seen,
                "testAccuracy": accuracy, "firingRates": [r / seen for r in sums["rates"]], "seconds": seconds,
                "samplesPerSecond": seen / seconds if seconds > 0 else 0.0,
            }
            metrics.write("epoch", step=state["step"], **report, samples=int(seen), confusion=confusion)
            write_weights("final", epoch, batches, accuracy, "epoch")
            if state["best"] is None or accuracy > state["best"]:
                state["best"] = accuracy
                write_weights("best", epoch, batches, accuracy, "epoch")
            save_checkpoint(paths["checkpoint"], net, optimizer, {**state, "epoch": epoch + 1, "batch": 0, "sums": None, "seconds": 0.0})
            rates = "/".join(f"{r:.3f}" for r in report["firingRates"])
            print(f"epoch {epoch}: loss {report['trainLoss']:.4f}, train {100 * report['trainAccuracy']:.2f}%, "
                  f"test {100 * accuracy:.2f}%, firing {rates}, {seconds:.1f} s, {report['samplesPerSecond']:.0f} samples/s", flush=True)
            if on_epoch:
                on_epoch(report)
        ctx.barrier()
    if ctx.main:
        metrics.write("end", status="completed", epoch=args.epochs, batch=batches)
    return report


if __name__ == "__main__":
    train()
`;

/** train.py's flag for each setting (the template's parse_args), so a caller can override any. */
export const TRAIN_FLAGS: Record<keyof Omit<JobSettings, 'network'>, string> = {
  epochs: '--epochs', steps: '--T', batchSize: '--batch', optimizer: '--optimizer', lr: '--lr', loss: '--loss', grad: '--grad',
  init: '--init', initGain: '--init-gain', seed: '--seed', augment: '--augment', limit: '--limit', testLimit: '--test-limit',
  binning: '--binning',
};

/** Command-line arguments of train.py that set these settings (lists and objects as JSON). */
export function trainArgs(settings: Partial<JobSettings>): string[] {
  return (Object.keys(TRAIN_FLAGS) as (keyof typeof TRAIN_FLAGS)[]).flatMap((key) => {
    const v = settings[key];
    if (v === undefined) return [];
    return [TRAIN_FLAGS[key], typeof v === 'object' ? JSON.stringify(v) : String(v)];
  });
}
