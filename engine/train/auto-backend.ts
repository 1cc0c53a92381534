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

/** Samples per measured step, at most: enough to time, few enough that tfjs's slow convolutions take well under a second. */
const PROBE_BATCH = 16;
/** Untimed steps first (JIT and WASM tier-up), then the best of the timed ones. */
const WARMUP_STEPS = 2;
const TIMED_STEPS = 3;
/** A backend whose warm-up step is this many times slower than the best time so far is not timed further. */
const CLEARLY_SLOWER = 4;

/**
 * The kernels for a run. `wasm` and `tfjs` are taken as asked. `auto` times a training step
 * (forward, loss, backward) of this very network, at the run's T, on each backend that starts,
 * warmed up, and keeps the faster: no backend trains a model more slowly than
 * another one would have, and the run's record says what was measured. A run resumed under
 * `auto` passes `resumeOn`, the family it trained on, and keeps it: a checkpoint continues bit for
 * bit only on the backend that wrote it.
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
  const timed: { family: BackendFamily; ms: number }[] = [];
  const failed: string[] = [];
  for (const family of ['wasm', 'tfjs'] as const) {
    let probe: Kernels | undefined;
    try {
      probe = await createKernels(family, factories);
      timed.push({ family, ms: timeStep(probe, spec, options, Math.min(...timed.map((t) => t.ms))) });
    } catch (e) {
      failed.push(`${family} could not run it (${(e as Error).message})`);
    } finally {
      probe?.dispose();
    }
  }
  if (timed.length === 0) throw new EngineError('no-backend', `no backend could train this network: ${failed.join('; ')}`);
  timed.sort((a, b) => a.ms - b.ms);
  const kernels = await createKernels(timed[0]!.family, factories);
  const measured = timed.map((t) => `${t.family} ${t.ms.toFixed(1)} ms`).concat(failed).join(', ');
  return {
    kernels,
    description: `${kernels.description} (auto: the faster for this network, one step of ${Math.min(PROBE_BATCH, options.batchSize)} samples${options.network === 'twin' ? '' : ` at T=${options.steps}`}: ${measured})`,
  };
}

/**
 * Milliseconds of one training step (forward, loss, backward) on random input: the best of
 * TIMED_STEPS after WARMUP_STEPS, or the last warm-up's when that is CLEARLY_SLOWER than `best`.
 */
function timeStep(kernels: Kernels, spec: ModelSpec, o: TrainOptions, best: number): number {
  const plan = inferModel(spec);
  const batch = Math.min(PROBE_BATCH, o.batchSize);
  const net = createNetwork(o.network, plan, kernels, o.steps, batch);
  const rng = new Rng(o.seed);
  net.init(o.init, rng, o.initGain);
  // MNIST-like intensities: a fifth of the inputs lit.
  const intensities = Float32Array.from({ length: batch * plan.inputSize }, () => (rng.uniform() < 0.2 ? rng.uniform() : 0));
  const labels = Uint8Array.from({ length: batch }, (_, b) => b % plan.classes);
  const grad = new Float32Array(batch * plan.classes);
  const loss = lossByName(o.loss);
  const mode = gradMode(o.grad);
  const step = (): number => {
    const t0 = performance.now();
    net.encode(intensities, batch, rng);
    const counts = net.forward();
    loss.evaluate(counts, labels, batch, plan.classes, net.countSteps, grad);
    net.backward(grad, mode);
    return performance.now() - t0;
  };
  let ms = Infinity;
  for (let i = 0; i < WARMUP_STEPS; i++) ms = step();
  if (ms > CLEARLY_SLOWER * best) return ms;
  ms = Infinity;
  for (let i = 0; i < TIMED_STEPS; i++) ms = Math.min(ms, step());
  return ms;
}
