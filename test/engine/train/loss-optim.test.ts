import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/errors';
import type { Kernels } from '../../../engine/backend/types';
import { Adam, Sgd, createOptimizer, type Optimizer, type Param } from '../../../engine/optim/optimizer';
import { Rng } from '../../../engine/rng';
import { LOSSES, crossEntropyCount, lossByName, mseRate, predict } from '../../../engine/train/loss';
import { NODE_BACKENDS } from '../backend/node-backends';

describe('losses: hand-computed values', () => {
  // One sample, 2 classes, T = 4, counts c = [2, 1], label 0.
  //   mse: y − c/T = [1 − 0.5, 0 − 0.25] = [0.5, −0.25]; L = (0.25 + 0.0625)/2 = 0.15625;
  //        ∂L/∂o[t] = −(y − c/T)/(T·S) = [−0.125, 0.0625]
  //   ce:  p = softmax(c) = [e/(e+1), 1/(e+1)] = [0.7310586, 0.2689414]; L = −ln 0.7310586 = 0.3132617;
  //        ∂L/∂o[t] = (p − y)/S = [−0.2689414, 0.2689414]
  it.each([
    ['mse', mseRate, 0.15625, [-0.125, 0.0625]],
    ['ce', crossEntropyCount, 0.3132617, [-0.2689414, 0.2689414]],
  ] as const)('%s', (_name, loss, value, grad) => {
    const g = new Float32Array(2);
    expect(loss.evaluate(Float32Array.of(2, 1), [0], 1, 2, 4, g)).toBeCloseTo(value, 6);
    expect(Math.abs(g[0] - grad[0])).toBeLessThan(1e-6);
    expect(Math.abs(g[1] - grad[1])).toBeLessThan(1e-6);
  });
});

// The losses see only the counts c = Σ_t o[t], and ∂c/∂o[t] = 1 for every t, so the grad they return
// (∂L/∂o[t], the same for all t) must equal ∂L/∂c: checked by finite differences in the counts.
describe.each(LOSSES.map((l) => [l.name, l] as const))('loss %s: gradient vs central finite differences', (_name, loss) => {
  const batch = 3;
  const classes = 4;
  const steps = 5;
  const labels = [2, 0, 3];
  it('grad[b, k] = ∂L/∂count[b, k] for every entry', () => {
    const rng = new Rng(21);
    // Multiples of 1/8 in [0, 5]: c ± h stays exact in f32 for h = 2⁻¹⁰.
    const counts = Float32Array.from({ length: batch * classes }, () => Math.floor(rng.uniform() * 41) / 8);
    const grad = new Float32Array(batch * classes);
    loss.evaluate(counts, labels, batch, classes, steps, grad);
    const scratch = new Float32Array(batch * classes);
    const h = 2 ** -10;
    const at = (i: number, delta: number) => {
      const c = counts.slice();
      c[i] += delta;
      return loss.evaluate(c, labels, batch, classes, steps, scratch);
    };
    for (let i = 0; i < counts.length; i++) {
      const fd = (at(i, h) - at(i, -h)) / (2 * h);
      expect(Math.abs(grad[i] - fd), `entry ${i}: grad ${grad[i]}, finite difference ${fd}`).toBeLessThanOrEqual(1e-6);
    }
    expect(grad.some((g) => Math.abs(g) > 1e-3)).toBe(true);
  });
});

describe('lossByName', () => {
  it('finds each registered loss and lists them for an unknown name', () => {
    for (const l of LOSSES) expect(lossByName(l.name)).toBe(l);
    expect(() => lossByName('nope')).toThrow(/unknown loss "nope" \(known: mse, ce\)/);
  });
});

describe('predict', () => {
  it.each([
    ['a clear winner', [1, 7, 3, 0], 1],
    ['a tie goes to the lowest index', [3, 5, 5, 1], 1],
    ['all equal (e.g. no output spikes)', [0, 0, 0, 0], 0],
    ['the winner last', [2, 2, 2, 4], 3],
  ] as const)('%s', (_what, counts, want) => {
    // The sample sits at b = 1 of a batch of 2, after a decoy sample, to check the indexing.
    const batch = Float32Array.from([9, 0, 0, 9, ...counts]);
    expect(predict(batch, 1, 4)).toBe(want);
  });
});

function param(values: number[], alloc: (n: number) => Float32Array = (n) => new Float32Array(n)): Param {
  const p = { value: alloc(values.length), grad: alloc(values.length) };
  p.value.set(values);
  return p;
}

function expectValues(actual: Float32Array, expected: number[], tolerance = 1e-6): void {
  expected.forEach((e, i) => expect(Math.abs(actual[i] - e), `[${i}]: ${actual[i]} vs ${e}`).toBeLessThanOrEqual(tolerance));
}

/** Where the update rules run: plain JavaScript (the default), or each backend's kernels. */
const UPDATE_KERNELS: readonly (readonly [string, () => Promise<Kernels | undefined>])[] = [
  ['plain JS', async () => undefined],
  ...NODE_BACKENDS,
];

describe.each(UPDATE_KERNELS)('optimizers on %s: hand-computed steps', (_name, make) => {
  let kernels: Kernels | undefined;
  beforeAll(async () => {
    kernels = await make();
  });
  afterAll(() => kernels?.dispose());
  const alloc = (n: number) => (kernels ? kernels.allocF32(n) : new Float32Array(n));
  // The WASM kernel gets 1 − β1 and 1 − β2 computed in f64 (1 − f32(0.999) would be 1.3e−5 off),
  // so f32 arithmetic is the only difference from the f64 hand computation.
  const adamTolerance = () => 1e-6;

  it('SGD: p ← p − lr·g', () => {
    const p = param([1, -2], alloc);
    p.grad.set([0.5, -0.1]);
    createOptimizer('sgd', [p], 0.1, kernels).step();
    expectValues(p.value, [0.95, -1.99]);
  });

  // Adam, lr 0.1, β1 0.9, β2 0.999, ε 1e−8, p = [1, −2].
  // Step 1, g = [0.5, −0.1]: m = 0.1·g = [0.05, −0.01], v = 0.001·g² = [2.5e−4, 1e−5];
  //   m̂ = m/0.1 = g, v̂ = v/0.001 = g²: the step is lr·g/|g| = ±0.1 (to 1e−8) → p = [0.9, −1.9].
  // Step 2, g = [0.2, 0.3]: m = 0.9·m + 0.1·g = [0.065, 0.021],
  //   v = 0.999·v + 0.001·g² = [2.8975e−4, 9.999e−5];
  //   m̂ = m/(1 − 0.81) = [0.3421053, 0.1105263], v̂ = v/(1 − 0.998001) = [0.1449475, 0.0500200],
  //   √v̂ = [0.3807197, 0.2236515], step = 0.1·m̂/√v̂ = [0.0898575, 0.0494190]
  //   → p = [0.8101425, −1.9494190].
  it('Adam: the first two steps', () => {
    const p = param([1, -2], alloc);
    const adam = createOptimizer('adam', [p], 0.1, kernels);
    p.grad.set([0.5, -0.1]);
    adam.step();
    expectValues(p.value, [0.9, -1.9], adamTolerance());
    p.grad.set([0.2, 0.3]);
    adam.step();
    expectValues(p.value, [0.8101425, -1.949419], adamTolerance());
  });
});

describe.each(['adam', 'sgd'])('%s state()/loadState()', (name) => {
  const rng = new Rng(8);
  const grads = Array.from({ length: 5 }, () => [Float32Array.from({ length: 3 }, () => rng.normal()), Float32Array.from({ length: 2 }, () => rng.normal())]);
  const fresh = () => [param([0.5, -0.25, 1]), param([2, -1])];
  const run = (opt: Optimizer, params: Param[], from: number, to: number) => {
    for (let s = from; s < to; s++) {
      params.forEach((p, i) => p.grad.set(grads[s][i]));
      opt.step();
    }
  };

  it('a restored optimizer continues exactly like the original', () => {
    const a = fresh();
    const optA = createOptimizer(name, a, 0.05);
    run(optA, a, 0, 3);
    const saved = optA.state();
    const b = a.map((p) => param(Array.from(p.value)));
    const optB = createOptimizer(name, b, 0.05);
    optB.loadState(saved);
    run(optA, a, 3, 5);
    run(optB, b, 3, 5);
    a.forEach((p, i) => expect(Array.from(b[i].value)).toEqual(Array.from(p.value)));
  });

  it('the control: a copy that skips loadState continues differently (unless the optimizer has no state)', () => {
    const a = fresh();
    const optA = createOptimizer(name, a, 0.05);
    run(optA, a, 0, 3);
    const b = a.map((p) => param(Array.from(p.value)));
    const optB = createOptimizer(name, b, 0.05); // no loadState: Adam's moments and t start over
    run(optA, a, 3, 5);
    run(optB, b, 3, 5);
    const same = a.every((p, i) => p.value.every((v, j) => v === b[i].value[j]));
    expect(same).toBe(name === 'sgd'); // plain SGD has no state; Adam without its state diverges
  });

  it('state() is a snapshot: later steps do not change it', () => {
    const a = fresh();
    const opt = createOptimizer(name, a, 0.05);
    run(opt, a, 0, 2);
    const saved = opt.state();
    const plain = () => ({ t: saved.t, slots: saved.slots.map((s) => s.map((x) => Array.from(x))) });
    const before = plain();
    run(opt, a, 2, 4);
    expect(plain()).toEqual(before);
    expect(saved.t).toBe(2);
    expect(saved.slots.map((s) => s.length)).toEqual(name === 'adam' ? [2, 2] : [0, 0]);
  });
});

describe('createOptimizer', () => {
  it('an unknown name lists the known ones', () => {
    let error: unknown;
    try {
      createOptimizer('nope', [param([1])], 0.1);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EngineError);
    expect((error as Error).message).toMatch(/unknown optimizer "nope" \(known: adam, sgd\)/);
  });

  it.each([0, -0.1, NaN, Infinity])('rejects lr %d, naming it', (lr) => {
    expect(() => createOptimizer('adam', [param([1])], lr)).toThrow(new RegExp(`optimizer adam: lr is ${lr}; allowed: a finite number > 0`));
  });

  it.each([['adam', Adam], ['sgd', Sgd]] as const)('%s with its lr', (name, cls) => {
    const opt = createOptimizer(name, [param([1])], 0.25);
    expect(opt).toBeInstanceOf(cls);
    expect(opt.className).toBe(name);
    expect(opt.config().lr).toBe(0.25);
  });
});
