import util from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { polyfillNodeUtil } from '../../../engine/backend/backends-node';

// tfjs-node 4.22 calls util.isArray, util.isNullOrUndefined, … which Node 23 removed (Electron
// ≥ 40 ships Node 24). Node 20 still has them, so remove them here to see the polyfill restore them.
const u = util as unknown as Record<string, unknown>;
const NAMES = ['isArray', 'isNullOrUndefined', 'isNull', 'isUndefined', 'isString', 'isNumber', 'isBoolean', 'isFunction', 'isObject', 'isPrimitive'];
const saved = Object.fromEntries(NAMES.map((n) => [n, u[n]]));
afterEach(() => Object.assign(u, saved));

describe('polyfill of the util functions tfjs-node needs', () => {
  it('restores each removed function with the old semantics', () => {
    for (const n of NAMES) delete u[n];
    polyfillNodeUtil();
    const f = (n: string) => u[n] as (v: unknown) => boolean;
    expect(f('isArray')([1])).toBe(true);
    expect(f('isArray')('a')).toBe(false);
    expect(f('isNullOrUndefined')(null)).toBe(true);
    expect(f('isNullOrUndefined')(0)).toBe(false);
    expect(f('isObject')(null)).toBe(false);
    expect(f('isObject')({})).toBe(true);
    expect(f('isPrimitive')('s')).toBe(true);
    expect(f('isPrimitive')({})).toBe(false);
    expect(f('isFunction')(() => 1)).toBe(true);
  });

  it('leaves functions the runtime still has alone', () => {
    const own = () => true;
    u.isArray = own;
    polyfillNodeUtil();
    expect(u.isArray).toBe(own);
  });
});
