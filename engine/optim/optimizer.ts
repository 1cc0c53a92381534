import { unknownName } from '../errors';

/** A parameter tensor and its gradient, updated in place. */
export interface Param {
  value: Float32Array;
  grad: Float32Array;
}

/**
 * The base does the bookkeeping (parameters, step count, per-parameter state, serialisation);
 * a subclass writes only its update rule (tinygrad's optim.py).
 */
export abstract class Optimizer {
  protected t = 0;
  protected readonly slots: Float32Array[][];

  constructor(protected readonly params: Param[], slotsPerParam: number) {
    this.slots = params.map((p) => Array.from({ length: slotsPerParam }, () => new Float32Array(p.value.length)));
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
  constructor(params: Param[], readonly lr: number) {
    super(params, 0);
  }
  protected update(p: Float32Array, g: Float32Array): void {
    const lr = this.lr;
    for (let i = 0; i < p.length; i++) p[i] -= lr * g[i];
  }
  config() {
    return { lr: this.lr };
  }
}

/** Adam (Kingma & Ba 2015) with bias correction; Table I: β1 0.9, β2 0.999, ε 1e−8. */
export class Adam extends Optimizer {
  readonly className = 'adam';
  constructor(params: Param[], readonly lr: number, readonly beta1 = 0.9, readonly beta2 = 0.999, readonly eps = 1e-8) {
    super(params, 2);
  }
  protected update(p: Float32Array, g: Float32Array, [m, v]: Float32Array[]): void {
    const { beta1: b1, beta2: b2 } = this;
    const c2 = Math.sqrt(1 - b2 ** this.t);
    const lrT = (this.lr * c2) / (1 - b1 ** this.t);
    const epsHat = this.eps * c2;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i];
      const mi = (m[i] = b1 * m[i] + (1 - b1) * gi);
      const vi = (v[i] = b2 * v[i] + (1 - b2) * gi * gi);
      p[i] -= (lrT * mi) / (Math.sqrt(vi) + epsHat);
    }
  }
  config() {
    return { lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps };
  }
}

export const OPTIMIZER_NAMES = ['adam', 'sgd'] as const;

export function createOptimizer(name: string, params: Param[], lr: number): Optimizer {
  if (!(Number.isFinite(lr) && lr > 0)) throw new RangeError(`optimizer ${name}: lr is ${lr}; allowed: a finite number > 0`);
  if (name === 'adam') return new Adam(params, lr);
  if (name === 'sgd') return new Sgd(params, lr);
  throw unknownName('optimizer', name, OPTIMIZER_NAMES);
}
