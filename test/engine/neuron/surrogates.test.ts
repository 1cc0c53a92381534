import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/errors';
import { SURROGATES, erf, surrogateByName, type Surrogate } from '../../../engine/neuron/surrogates';

/**
 * Contract test over the whole registry: every surrogate h is the exact derivative of its primitive,
 * integrates to 1 and its primitive is a smooth step from 0 to 1 (docs/math.md eq. 24–27). A surrogate
 * added to SURROGATES is checked here without touching this file (unless its window has kinks).
 */

const WIDTHS = [0.5, 1, 2.5];

/** Where h is discontinuous or not differentiable: finite differences straddling these are skipped. */
const KINKS: Record<string, (a: number) => number[]> = {
  rectangular: (a) => [-a / 2, a / 2],
  polynomial: (a) => [-2 / Math.sqrt(a), 0, 2 / Math.sqrt(a)],
};

/** 241 points over [−3, 3], off the 1/40 grid so they rarely sit exactly on a window edge. */
const POINTS = Array.from({ length: 241 }, (_, i) => -3 + i * 0.025 + 1e-4);

const cases = SURROGATES.flatMap((s) => WIDTHS.map((a) => [s.name, a, s] as const));

describe.each(cases)('surrogate %s, width %d', (_name, a, s: Surrogate) => {
  it('derivative is the central finite difference of the primitive', () => {
    const kinks = KINKS[s.name]?.(a) ?? [];
    const step = 1e-5;
    let checked = 0;
    for (const d of POINTS) {
      if (kinks.some((k) => Math.abs(d - k) < 1e-3)) continue;
      const fd = (s.primitive(d + step, a) - s.primitive(d - step, a)) / (2 * step);
      const h = s.derivative(d, a);
      expect(Math.abs(h - fd), `d = ${d}: h = ${h}, finite difference = ${fd}`).toBeLessThanOrEqual(1e-6 + 1e-6 * Math.abs(fd));
      checked++;
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('derivative integrates to 1 (midpoint rule over [−60, 60])', () => {
    const dx = 1e-4;
    let sum = 0;
    for (let x = -60 + dx / 2; x < 60; x += dx) sum += s.derivative(x, a);
    expect(sum * dx).toBeCloseTo(1, 6);
  });

  it('derivative is non-negative and peaks inside the window', () => {
    for (const d of POINTS) expect(s.derivative(d, a)).toBeGreaterThanOrEqual(0);
    expect(s.derivative(0, a)).toBeGreaterThan(0);
  });

  it('primitive is a monotone step from 0 to 1', () => {
    expect(s.primitive(-60, a)).toBeCloseTo(0, 9);
    expect(s.primitive(60, a)).toBeCloseTo(1, 9);
    for (let i = 1; i < POINTS.length; i++) {
      expect(s.primitive(POINTS[i], a)).toBeGreaterThanOrEqual(s.primitive(POINTS[i - 1], a));
    }
  });
});

describe('surrogate registry', () => {
  it('ids are unique and equal their index (the WASM kernel dispatches on them)', () => {
    SURROGATES.forEach((s, i) => expect(s.id, s.name).toBe(i));
    expect(new Set(SURROGATES.map((s) => s.name)).size).toBe(SURROGATES.length);
  });

  it.each(SURROGATES.map((s) => [s.name, s] as const))('surrogateByName(%j) finds it', (name, s) => {
    expect(surrogateByName(name)).toBe(s);
  });

  it('an unknown name throws an EngineError listing every known surrogate', () => {
    let error: unknown;
    try {
      surrogateByName('nope');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EngineError);
    const message = (error as Error).message;
    expect(message).toMatch(/unknown surrogate "nope"/);
    for (const s of SURROGATES) expect(message).toContain(s.name);
  });
});

describe('erf', () => {
  // Reference values as printed by Python's math.erf (C libm), to double precision.
  it.each([
    [0, 0],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [-2, -0.9953222650189527],
    [3, 0.9999779095030014],
  ])('erf(%d) = %d', (x, want) => {
    expect(Math.abs(erf(x) - want)).toBeLessThanOrEqual(1e-14);
  });

  it('is odd, and continuous where the series hands over to the continued fraction (|x| = 2.5)', () => {
    for (const x of [0.1, 1.7, 2.5, 4]) expect(erf(-x)).toBe(-erf(x));
    expect(Math.abs(erf(2.5 + 1e-12) - erf(2.5 - 1e-12))).toBeLessThan(1e-13);
    expect(erf(2.5)).toBeCloseTo(0.9995930479825550, 14);
  });
});
