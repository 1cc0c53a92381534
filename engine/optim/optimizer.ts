import type { Kernels } from '../backend/types';
import { EngineError, unknownName } from '../errors';
import { adamUpdate, sgdUpdate } from './updates';

/** A parameter tensor and its gradient, updated in place. */
export interface Param {
  value: Float32Array;
  grad: Float32Array;
}

/** Where updates run: a backend's kernels (its memory holds the slots), or plain JavaScript. */
export type UpdateKernels = Pick<Kernels, 'allocF32' | 'sgdUpdate' | 'adamUpdate'>;
const plainJs: UpdateKernels = {
  allocF32: (n) => new Float32Array(n),
  sgdUpdate,
  adamUpdate,
};

/**
 * The base does the bookkeeping (parameters, step count, per-parameter state, serialisation);
 * a subclass writes only its update rule (tinygrad's optim.py), run by the backend's kernels.
 */
export abstract class Optimizer {
  protected t = 0;
  protected readonly slots: Float32Array[][];

  constructor(protected readonly params: Param[], slotsPerParam: number, protected readonly kernels: UpdateKernels = plainJs) {
    this.slots = params.map((p) => Array.from({ length: slotsPerParam }, () => kernels.allocF32(p.value.length).fill(0)));
  }

  step(): void {
    this.t++;
    this.params.forEach((p, i) => this.update(p.value, p.grad, this.slots[i]));
  }

  protected abstract update(value: Float32Array, grad: Float32Array, slots: Float32Array[]): void;
  abstract config(): Record<string, number>;
  abstract readonly className: string;

  /** Step count and slot contents, for checkpoints. */
  state(): { t: number; slots: Float32Array[][] } {
    return { t: this.t, slots: this.slots.map((s) => s.map((a) => a.slice())) };
  }
  loadState(state: { t: number; slots: Float32Array[][] }): void {
    this.t = state.t;
    state.slots.forEach((s, i) => s.forEach((a, j) => this.slots[i][j].set(a)));
  }
}

/** Plain SGD: p ← p − lr·g (the paper's Table I uses lr 0.5). */
export class Sgd extends Optimizer {
  readonly className = 'sgd';
  constructor(params: Param[], readonly lr: number, kernels?: UpdateKernels) {
    super(params, 0, kernels);
  }
  protected update(p: Float32Array, g: Float32Array): void {
    this.kernels.sgdUpdate(p, g, this.lr);
  }
  config() {
    return { lr: this.lr };
  }
}

/** Adam (Kingma & Ba 2015) with bias correction; Table I: β1 0.9, β2 0.999, ε 1e−8. */
export class Adam extends Optimizer {
  readonly className = 'adam';
  constructor(
    params: Param[], readonly lr: number, kernels?: UpdateKernels,
    readonly beta1 = 0.9, readonly beta2 = 0.999, readonly eps = 1e-8,
  ) {
    super(params, 2, kernels);
  }
  protected update(p: Float32Array, g: Float32Array, slots: Float32Array[]): void {
    const c2 = Math.sqrt(1 - this.beta2 ** this.t);
    const lrT = (this.lr * c2) / (1 - this.beta1 ** this.t);
    this.kernels.adamUpdate(p, g, slots[0]!, slots[1]!, lrT, this.beta1, this.beta2, this.eps * c2);
  }
  config() {
    return { lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps };
  }
}

export const OPTIMIZER_NAMES = ['adam', 'sgd'] as const;

export function createOptimizer(name: string, params: Param[], lr: number, kernels?: UpdateKernels): Optimizer {
  if (!(Number.isFinite(lr) && lr > 0)) throw new EngineError('bad-option', `optimizer ${name}: lr is ${lr}; allowed: a finite number > 0`);
  if (name === 'adam') return new Adam(params, lr, kernels);
  if (name === 'sgd') return new Sgd(params, lr, kernels);
  throw unknownName('optimizer', name, OPTIMIZER_NAMES);
}
