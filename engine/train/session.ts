import type { Kernels } from '../backend/types';
import { EngineError } from '../errors';
import { gradMode, type SampleActivity } from '../model/network';
import { createNetwork, type Network } from '../model/networks';
import { createOptimizer, type Optimizer } from '../optim/optimizer';
import { Rng } from '../rng';
import { inferModel, type ModelPlan } from '../spec/infer';
import type { ModelSpec } from '../spec/types';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointState, type EpochSums } from './checkpoint';
import { checkActivity, type ActivityWatch } from './divergence';
import { evaluateSource, probeRng } from '../infer/evaluate';
import { lossByName, predict, type Loss } from './loss';
import { Augmenter } from '../augment/augmenter';
import { ImageSource, type SampleSource } from './sources';
import type { BatchPrefetcher } from './prefetch';
import { checkOptions, withDefaults, type BatchReport, type EpochReport, type TrainOptions } from './options';

export interface TrainData {
  train: SampleSource;
  test: SampleSource;
}

/**
 * One training run as a resumable state machine: `runBatch` advances one mini-batch, `finishEpoch`
 * evaluates and closes the epoch, `checkpoint` captures everything that determines the rest of the
 * run (weights, optimiser state, RNG state, shuffle order, position, the epoch's running sums), so
 * a run restored from it continues bit for bit as if it had never stopped.
 */
export class TrainingSession {
  readonly net: Network;
  readonly plan: ModelPlan;
  readonly options: TrainOptions;
  private readonly optimizer: Optimizer;
  private readonly loss: Loss;
  private readonly rng: Rng;
  private readonly order: Uint32Array;
  private readonly batchIndices: Uint32Array;
  private readonly outGrad: Float32Array;
  private readonly labels: Uint8Array;
  private readonly watch: ActivityWatch;
  /** The training images' distortions (options.augment), if any. */
  private readonly augmenter: Augmenter | undefined;
  /** Prepares the next batch's images on another thread (prefetchWith), and which batch is under way. */
  private prefetcher: BatchPrefetcher | undefined;
  private prefetching: { epoch: number; batch: number } | undefined;
  /** 1-based epoch in progress, and the next batch of it (0-based). */
  epoch = 1;
  batch = 0;
  private sums: EpochSums;
  private epochSeconds = 0;
  /** Test-set confusion counts [truth, predicted] of the last finished epoch. */
  readonly confusion: Uint32Array;

  constructor(
    readonly spec: ModelSpec, options: Partial<TrainOptions>, readonly data: TrainData, readonly kernels: Kernels,
    restored?: CheckpointState,
  ) {
    this.options = withDefaults(options);
    checkOptions(this.options);
    this.plan = inferModel(spec);
    for (const src of [data.train, data.test]) checkSource(src, this.plan);
    if (data.train.count < 1) throw new EngineError('bad-data', `dataset ${data.train.name} has no samples to train on`);
    const o = this.options;
    this.loss = lossByName(o.loss);
    this.augmenter = o.augment?.length ? new Augmenter(o.augment, o.seed) : undefined;
    if (this.augmenter && !(data.train instanceof ImageSource)) {
      throw new EngineError('bad-option', `augment is ${JSON.stringify(o.augment)}; allowed: none for ${data.train.name}, whose samples are not images (distortions apply to image datasets)`);
    }
    gradMode(o.grad); // validate now, not at the first backward pass
    this.net = createNetwork(o.network, this.plan, kernels, o.steps, o.batchSize);
    this.rng = new Rng(o.seed);
    this.net.init(o.init, this.rng, o.initGain);
    this.optimizer = createOptimizer(o.optimizer, this.net.params(), o.lr, kernels);
    this.order = Uint32Array.from({ length: data.train.count }, (_, i) => i);
    this.batchIndices = new Uint32Array(o.batchSize);
    this.outGrad = new Float32Array(o.batchSize * this.plan.classes);
    this.labels = new Uint8Array(o.batchSize);
    this.watch = { silent: this.plan.layers.map(() => 0), saturated: this.plan.layers.map(() => 0) };
    this.sums = emptySums(this.plan.layers.length);
    this.confusion = new Uint32Array(this.plan.classes * this.plan.classes);
    if (restored) this.restore(restored);
  }

  /** Resume from checkpoint bytes (see `checkpoint`); spec and options come from the bytes. */
  static fromCheckpoint(bytes: Uint8Array, data: TrainData, kernels: Kernels): TrainingSession {
    const state = decodeCheckpoint(bytes);
    return new TrainingSession(state.spec, state.options, data, kernels, state);
  }

  get batches(): number {
    return Math.ceil(this.data.train.count / this.options.batchSize);
  }

  /** All epochs done. */
  get finished(): boolean {
    return this.epoch > this.options.epochs;
  }

  /** The epoch's batches are all done: call finishEpoch next. */
  get epochComplete(): boolean {
    return this.batch >= this.batches;
  }

  /** Train on the next mini-batch of the epoch in progress. */
  runBatch(): BatchReport {
    if (this.finished || this.epochComplete) throw new EngineError('bad-state', `no batch left: epoch ${this.epoch}, batch ${this.batch + 1} of ${this.batches}`);
    const started = performance.now();
    if (this.batch === 0) this.rng.shuffle(this.order);
    const o = this.options;
    const from = this.batch * o.batchSize;
    const size = Math.min(o.batchSize, this.data.train.count - from);
    for (let b = 0; b < size; b++) {
      this.batchIndices[b] = this.order[from + b]!;
      this.labels[b] = this.data.train.label(this.batchIndices[b]!);
    }
    const augment = this.augmenter && { augmenter: this.augmenter, epoch: this.epoch };
    const ahead = this.prefetching;
    let stepStarted: number;
    if (this.prefetcher && ahead?.epoch === this.epoch && ahead.batch === this.batch) {
      const intensities = this.prefetcher.finish();
      stepStarted = performance.now();
      this.net.encode(intensities, size, this.rng);
    } else {
      this.data.train.load(this.net, this.batchIndices, size, this.rng, augment);
      stepStarted = performance.now(); // in place, the load's coding falls outside: a first batch, or no prefetcher
    }
    this.prefetchNext();
    const counts = this.net.forward();
    const loss = this.loss.evaluate(counts, this.labels, size, this.plan.classes, this.net.countSteps, this.outGrad);
    if (!Number.isFinite(loss)) {
      throw new EngineError('diverged', `training diverged: the loss is ${loss} at epoch ${this.epoch}, batch ${this.batch + 1}`);
    }
    const rates = this.net.firingRates();
    try {
      checkActivity(this.watch, rates, this.plan, Math.min(20, this.batches), o.network);
    } catch (silentOrSaturated) {
      this.checkFinite(); // NaN weights silence a layer: name the real cause
      throw silentOrSaturated;
    }
    this.net.backward(this.outGrad, gradMode(o.grad));
    this.optimizer.step();
    const stepSeconds = (performance.now() - stepStarted) / 1000;
    let correct = 0;
    for (let b = 0; b < size; b++) if (predict(counts, b, this.plan.classes) === this.labels[b]) correct++;
    const s = this.sums;
    s.loss += loss * size;
    s.correct += correct;
    s.seen += size;
    rates.forEach((r, i) => (s.rates[i]! += r * size));
    this.batch++;
    const seconds = (performance.now() - started) / 1000;
    this.epochSeconds += seconds;
    return {
      epoch: this.epoch, batch: this.batch, batches: this.batches, loss, accuracy: correct / size,
      firingRates: rates, samplesPerSecond: s.seen / this.epochSeconds, seconds, stepSeconds,
    };
  }

  /**
   * Prepare each next batch of the epoch on `prefetcher` while the current one trains (the first
   * batch of an epoch is prepared in place: its order is shuffled only when it starts). Only for
   * image sources; the caller disposes of the prefetcher.
   */
  prefetchWith(prefetcher: BatchPrefetcher): void {
    if (!(this.data.train instanceof ImageSource)) {
      throw new EngineError('bad-option', `prefetching batches of ${this.data.train.name}; allowed: image datasets only`);
    }
    this.prefetcher = prefetcher;
    this.prefetching = undefined;
  }

  /** Start preparing the batch after the one under way, if it belongs to the same epoch. */
  private prefetchNext(): void {
    this.prefetching = undefined;
    const next = this.batch + 1;
    if (!this.prefetcher || next >= this.batches) return;
    const o = this.options;
    const from = next * o.batchSize;
    const size = Math.min(o.batchSize, this.data.train.count - from);
    this.prefetcher.start(this.order.subarray(from, from + size), size, this.epoch);
    this.prefetching = { epoch: this.epoch, batch: next };
  }

  /** Evaluate on the test set and close the epoch (also after a stop mid-epoch). */
  finishEpoch(): EpochReport {
    this.checkFinite();
    const s = this.sums;
    const report: EpochReport = {
      epoch: this.epoch,
      trainLoss: s.seen ? s.loss / s.seen : NaN,
      trainAccuracy: s.seen ? s.correct / s.seen : 0,
      testAccuracy: this.evaluate(this.data.test, this.options.seed + this.epoch, this.confusion.fill(0)),
      firingRates: s.rates.map((r) => (s.seen ? r / s.seen : 0)),
      seconds: this.epochSeconds,
      samplesPerSecond: this.epochSeconds > 0 ? s.seen / this.epochSeconds : 0,
    };
    this.epoch++;
    this.batch = 0;
    this.sums = emptySums(this.plan.layers.length);
    this.epochSeconds = 0;
    return report;
  }

  /**
   * Accuracy on a source, coded with its own RNG seeded from `seed`, so it is reproducible and
   * leaves the training stream untouched. Returns the confusion counts too when asked.
   */
  evaluate(src: SampleSource, seed: number, confusion?: Uint32Array): number {
    return evaluateSource(this.net, src, seed, this.options.batchSize, confusion);
  }

  /**
   * One sample through the network, coded with its own RNG (the training stream is untouched):
   * spike rasters and membrane traces for the run monitor and the paper's Fig. 4c/4d; null for
   * the non-spiking twin, which has neither.
   */
  probe(src: SampleSource, index: number, seed: number): SampleActivity | null {
    src.load(this.net, [index], 1, probeRng(seed));
    this.net.forward();
    return this.net.activity(0);
  }

  /** NaN or ±Inf in a weight or bias stops the run, naming the layer and the tensor. */
  private checkFinite(): void {
    for (const l of this.net.layers) {
      for (const [what, a] of [['weights', l.w], ['biases', l.b]] as const) {
        for (let i = 0; i < a.length; i++) {
          if (!Number.isFinite(a[i]!)) {
            throw new EngineError('diverged', `training diverged: layer ${l.plan.index} (${l.plan.kind}) ${what} contain ${a[i]} (element ${i}) at epoch ${this.epoch}, batch ${this.batch}`);
          }
        }
      }
    }
  }

  /**
   * Start from given weights instead of the initialiser's (fine-tuning a model): parameters in
   * training order (engine/export/model.ts `paramsFromTensors`), before the first batch only.
   */
  loadParams(params: readonly Float32Array[]): void {
    if (this.epoch !== 1 || this.batch !== 0) throw new EngineError('bad-state', `loadParams: the run is at epoch ${this.epoch}, batch ${this.batch}; allowed: before its first batch`);
    const mine = this.net.params();
    if (params.length !== mine.length || params.some((p, i) => p.length !== mine[i]!.value.length)) {
      throw new EngineError('bad-model', 'loadParams: the weights do not fit the network: their parameter shapes differ from the spec\'s');
    }
    mine.forEach((p, i) => p.value.set(params[i]!));
  }

  /** Everything needed to continue this run exactly, as bytes (engine/train/checkpoint.ts). */
  checkpoint(): Uint8Array {
    const opt = this.optimizer.state();
    return encodeCheckpoint({
      spec: this.spec, options: this.options, epoch: this.epoch, batch: this.batch,
      rng: this.rng.state(), order: this.order, optimizerStep: opt.t,
      params: this.net.params().map((p) => p.value), slots: opt.slots,
      sums: { ...this.sums, rates: this.sums.rates.slice() }, epochSeconds: this.epochSeconds,
      watch: { silent: this.watch.silent.slice(), saturated: this.watch.saturated.slice() },
    });
  }

  private restore(state: CheckpointState): void {
    const params = this.net.params();
    if (state.params.length !== params.length || state.params.some((p, i) => p.length !== params[i]!.value.length)) {
      throw new EngineError('bad-checkpoint', 'checkpoint does not match the network: its parameter shapes differ from the spec\'s');
    }
    if (state.order.length !== this.order.length) {
      throw new EngineError('bad-checkpoint', `checkpoint was taken on ${state.order.length} training samples; this dataset has ${this.order.length}`);
    }
    params.forEach((p, i) => p.value.set(state.params[i]!));
    this.optimizer.loadState({ t: state.optimizerStep, slots: state.slots });
    this.order.set(state.order);
    this.rng.setState(state.rng);
    this.epoch = state.epoch;
    this.batch = state.batch;
    this.sums = { ...state.sums, rates: state.sums.rates.slice() };
    this.epochSeconds = state.epochSeconds;
    this.watch.silent = state.watch.silent.slice();
    this.watch.saturated = state.watch.saturated.slice();
  }
}

function emptySums(layers: number): EpochSums {
  return { loss: 0, correct: 0, seen: 0, rates: new Array<number>(layers).fill(0) };
}

function checkSource(src: SampleSource, plan: ModelPlan): void {
  if (src.inputSize !== plan.inputSize) {
    throw new EngineError('bad-data', `dataset ${src.name} has ${src.inputSize} inputs per sample; the network's input layer takes ${plan.inputSize} (shape [${plan.inputShape.join(', ')}])`);
  }
  // Convolutions and pooling see the map itself, not only its size.
  const spatial = plan.stages.some((s) => s.kind === 'avgpool' || s.kind === 'conv2d');
  if (spatial && src.inputShape.join() !== plan.inputShape.join()) {
    throw new EngineError('bad-data', `dataset ${src.name} has samples of shape [${src.inputShape.join(', ')}] (channels, height, width); the network's input layer takes [${plan.inputShape.join(', ')}]`);
  }
  if (src.classCount > plan.classes) {
    throw new EngineError('bad-data', `dataset ${src.name} has ${src.classCount} classes; the network's output layer has ${plan.classes} units`);
  }
}
