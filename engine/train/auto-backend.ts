import { createKernels, type BackendFactories } from '../backend/select';
import { EngineError } from '../errors';
import type { BackendFamily, Kernels } from '../backend/types';
import { gradMode } from '../model/network';
import { createNetwork } from '../model/networks';
import { Rng } from '../rng';
import { inferModel } from '../spec/infer';
import type { ModelSpec } from '../spec/types';
import { lossByName } from './loss';
import type { TrainOptions } from './options';

/** The backend a run trains on, and what its record says about it. */
export interface ChosenKernels {
  kernels: Kernels;
  /** kernels.description, and for `auto` why this backend: what each one measured. */
  description: string;
}

/** Samples per step of the first round of timing: few enough that tfjs's slow convolutions take well under a second. */
const PROBE_BATCH = 16;
/** Untimed steps first (JIT and WASM tier-up; new buffers at the run's batch), then the best of the timed ones. */
const WARMUP_STEPS = 2;
/** Timed rounds, one step on each backend per round, in turns: a burst of load slows a step of each, not every step of one. */
const TIMED_ROUNDS = 5;
/** A backend this many times slower than the best step so far is not timed further. */
const CLEARLY_SLOWER = 4;
/** The timing at the run's batch ends after this long, once every backend has one timed step. */
const RUN_BATCH_BUDGET_MS = 2000;

/**
 * The kernels for a run. `wasm` and `tfjs` are taken as asked. `auto` times a training step
 * (forward, loss, backward) of this very network, at the run's T, on each backend that starts,
 * warmed up, and keeps the faster: no backend trains a model more slowly than another one would
 * have, and the run's record says what was measured. First at PROBE_BATCH samples, which sets
 * apart a backend that is clearly slower (tfjs-wasm's convolutions, 25× wasm's); when none is, at
 * the run's batch, the size it will train at. At 16 samples every kernel call is short, and wasm's
 * kernel threads then spend more time waiting for a core than working whenever another process
 * keeps the cores busy: beside a training 784-800-10, mlp-quick timed 6.7–17 ms on wasm against
 * 3.5–4.1 ms on tfjs-wasm at 16 samples, and then trained at 3,900–4,600 samples/s on tfjs-wasm
 * against 7,800–8,500 on wasm. A run resumed under `auto` passes `resumeOn`, the family it
 * trained on, and keeps it: a checkpoint continues bit for bit only on the backend that wrote it.
 */
export async function chooseKernels(
  requested: string, factories: BackendFactories, spec: ModelSpec, options: TrainOptions, resumeOn?: BackendFamily,
): Promise<ChosenKernels> {
  if (requested !== 'auto') {
    const kernels = await createKernels(requested, factories);
    return { kernels, description: kernels.description };
  }
  if (resumeOn) {
    const kernels = await createKernels(resumeOn, factories);
    return { kernels, description: `${kernels.description} (auto: kept on resume, as the run started)` };
  }
  // Each backend is timed on kernels of its own, disposed after: the WASM arena never frees, and
  // the run's buffers should not sit above a probe's.
  const probes: Probe[] = [];
  const failed: string[] = [];
  let batch = Math.min(PROBE_BATCH, options.batchSize);
  /** The probes whose figures the choice compares: every one's at PROBE_BATCH, or the close ones' at the run's batch. */
  let compared = probes;
  try {
    for (const family of ['wasm', 'tfjs'] as const) {
      let kernels: Kernels | undefined;
      try {
        kernels = await createKernels(family, factories);
        probes.push(new Probe(family, kernels, spec, options, batch));
      } catch (e) {
        kernels?.dispose();
        failed.push(`${family} could not run it (${(e as Error).message})`);
      }
    }
    const close = timeInTurns(probes, Infinity);
    if (close.length > 1 && options.batchSize > batch) {
      batch = options.batchSize;
      for (const p of close) p.resize(batch);
      timeInTurns(close, RUN_BATCH_BUDGET_MS);
      compared = close;
    }
  } finally {
    for (const p of probes) p.kernels.dispose();
  }
  const timed = compared.filter((p) => p.error === undefined).sort((a, b) => a.ms - b.ms);
  failed.push(...probes.filter((p) => p.error !== undefined).map((p) => `${p.family} could not run it (${p.error})`));
  if (timed.length === 0) throw new EngineError('no-backend', `no backend could train this network: ${failed.join('; ')}`);
  const kernels = await createKernels(timed[0]!.family, factories);
  const measured = timed.map((p) => `${p.family} ${p.ms.toFixed(1)} ms`).concat(failed).join(', ');
  return {
    kernels,
    description: `${kernels.description} (auto: the faster for this network, one step of ${batch} samples${options.network === 'twin' ? '' : ` at T=${options.steps}`}: ${measured})`,
  };
}

/**
 * Warm every probe up, then time them in turns, keeping each one's best step, until one is left,
 * TIMED_ROUNDS have run or `budgetMs` has passed. A probe CLEARLY_SLOWER than the best so far
 * (from the warm-up on, each probe's fastest step: one stalled step does not rule a backend out)
 * stops being timed, its best step standing for it; one that throws is out, with its error.
 * Returns the probes still in contention.
 */
function timeInTurns(probes: Probe[], budgetMs: number): Probe[] {
  const started = performance.now();
  for (let i = 0; i < WARMUP_STEPS; i++) for (const p of probes) if (p.error === undefined) p.ms = Math.min(p.ms, p.run());
  let timing = contenders(probes);
  for (const p of timing) p.ms = Infinity; // from here on only timed steps count
  for (let round = 0; round < TIMED_ROUNDS && timing.length > 0; round++) {
    for (const p of timing) p.ms = Math.min(p.ms, p.run());
    timing = contenders(timing);
    if (timing.length === 1 || performance.now() - started > budgetMs) break;
  }
  return timing;
}

/** The probes that run and are not CLEARLY_SLOWER than the fastest of them. */
function contenders(probes: Probe[]): Probe[] {
  const running = probes.filter((p) => p.error === undefined);
  const best = Math.min(...running.map((p) => p.ms));
  return running.filter((p) => p.ms <= CLEARLY_SLOWER * best);
}

/** One backend's network on MNIST-like random input, ready to time training steps at a batch size. */
class Probe {
  /** Milliseconds of its best timed step; until it is timed, of its best warm-up step. */
  ms = Infinity;
  /** Why a step failed: the probe is then out. */
  error: string | undefined;
  private step!: () => void;

  constructor(readonly family: BackendFamily, readonly kernels: Kernels, private readonly spec: ModelSpec, private readonly o: TrainOptions, batch: number) {
    this.build(batch);
  }

  /** A network of `batch` samples to time from now on (its buffers are new: warm it up again); one that cannot be built puts the probe out. */
  resize(batch: number): void {
    try {
      this.build(batch);
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  private build(batch: number): void {
    const { o } = this;
    const plan = inferModel(this.spec);
    const net = createNetwork(o.network, plan, this.kernels, o.steps, batch);
    const rng = new Rng(o.seed);
    net.init(o.init, rng, o.initGain);
    // MNIST-like intensities: a fifth of the inputs lit.
    const intensities = Float32Array.from({ length: batch * plan.inputSize }, () => (rng.uniform() < 0.2 ? rng.uniform() : 0));
    const labels = Uint8Array.from({ length: batch }, (_, b) => b % plan.classes);
    const grad = new Float32Array(batch * plan.classes);
    const loss = lossByName(o.loss);
    const mode = gradMode(o.grad);
    this.ms = Infinity;
    this.step = () => {
      net.encode(intensities, batch, rng);
      const counts = net.forward();
      loss.evaluate(counts, labels, batch, plan.classes, net.countSteps, grad);
      net.backward(grad, mode);
    };
  }

  /** One training step (forward, loss, backward); its milliseconds, or Infinity when it threw. */
  run(): number {
    const t0 = performance.now();
    try {
      this.step();
      return performance.now() - t0;
    } catch (e) {
      this.error = (e as Error).message;
      return Infinity;
    }
  }
}
