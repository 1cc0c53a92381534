import { unknownName } from '../errors';

/**
 * A surrogate gradient of the spike o = H(u − Vth) (paper eq. 24–27, docs/math.md): the derivative
 * h(d; a) used in place of the Dirac delta, and the smooth step it is the exact derivative of
 * (the primitive), so tests can check each by finite differences. d = u − Vth, a is the width.
 * Every h integrates to 1 over d. `id` is the kernel's number for it (engine/wasm/assembly/lif.ts).
 */
export interface Surrogate {
  readonly name: string;
  readonly id: number;
  /** Paper's name for the width parameter. */
  readonly paper: string;
  derivative(d: number, a: number): number;
  primitive(d: number, a: number): number;
}

/** h1, eq. 24: (1/a)·[|d| < a/2]; primitive: a clamped ramp. */
const rectangular: Surrogate = {
  name: 'rectangular', id: 0, paper: 'h1 (a1)',
  derivative: (d, a) => (Math.abs(d) < a / 2 ? 1 / a : 0),
  primitive: (d, a) => Math.min(1, Math.max(0, d / a + 0.5)),
};

/** h2, eq. 25: (√a/2 − a/4·|d|)·[|d| < 2/√a]; primitive: a piecewise quadratic. */
const polynomial: Surrogate = {
  name: 'polynomial', id: 1, paper: 'h2 (a2)',
  derivative: (d, a) => {
    const s = Math.sqrt(a);
    return Math.abs(d) < 2 / s ? s / 2 - (a / 4) * Math.abs(d) : 0;
  },
  primitive: (d, a) => {
    const s = Math.sqrt(a);
    const x = Math.min(2 / s, Math.abs(d));
    const half = (s / 2) * x - (a / 8) * x * x; // ∫₀ˣ h, reaches 1/2 at the window's edge
    return d < 0 ? 0.5 - half : 0.5 + half;
  },
};

/** h3, eq. 26: (1/a)·e^{−d/a} / (1 + e^{−d/a})²; primitive: the logistic σ(d/a). */
const sigmoid: Surrogate = {
  name: 'sigmoid', id: 2, paper: 'h3 (a3)',
  derivative: (d, a) => {
    const e = Math.exp(-d / a);
    return e / (a * (1 + e) * (1 + e));
  },
  primitive: (d, a) => 1 / (1 + Math.exp(-d / a)),
};

/** h4, eq. 27: e^{−d²/(2a)} / √(2πa); primitive: the normal CDF with variance a. */
const gaussian: Surrogate = {
  name: 'gaussian', id: 3, paper: 'h4 (a4)',
  derivative: (d, a) => Math.exp((-d * d) / (2 * a)) / Math.sqrt(2 * Math.PI * a),
  primitive: (d, a) => 0.5 * (1 + erf(d / Math.sqrt(2 * a))),
};

/** The registry: one line per surrogate. */
export const SURROGATES: readonly Surrogate[] = [rectangular, polynomial, sigmoid, gaussian];

export function surrogateByName(name: string): Surrogate {
  const found = SURROGATES.find((s) => s.name === name);
  if (!found) throw unknownName('surrogate', name, SURROGATES.map((s) => s.name));
  return found;
}

/** erf to ~1e-15: Maclaurin series near 0, the continued fraction of erfc in the tails. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 60 && Math.abs(term) > 1e-17; n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = ax;
  for (let n = 60; n >= 1; n--) f = ax + n / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}
