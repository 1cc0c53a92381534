import { afterEach, describe, expect, it } from 'vitest';
import { nodeFactories } from '../../../engine/backend/backends-node';
import type { BackendFactories } from '../../../engine/backend/select';
import type { BackendFamily, Kernels, SpikeLists } from '../../../engine/backend/types';
import { chooseKernels } from '../../../engine/train/auto-backend';
import { withDefaults } from '../../../engine/train/options';
import type { ModelSpec } from '../../../engine/spec/types';

const spec: ModelSpec = {
  layers: [
    { className: 'input', config: { shape: [49] } },
    { className: 'dense', config: { units: 20 } },
    { className: 'output', config: { units: 10 } },
  ],
};
const options = withDefaults({ steps: 4, batchSize: 10 });
const made: Kernels[] = [];
afterEach(() => made.splice(0).forEach((k) => k.dispose()));

/** Milliseconds added to a forward matmul: fixed, or a function of the rows (steps × samples) it multiplies. */
type Delay = number | ((rows: number) => number);

/** WASM kernels posing as `family`, slower per forward matmul by `delayMs`. */
function posing(family: BackendFamily, delayMs: Delay): () => Kernels {
  return () => {
    const real = nodeFactories({ threads: 1 }).wasm();
    made.push(real);
    return new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'family') return family;
        if (prop === 'description') return `${family} (posing)`;
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (prop === 'spikeMatmul' && delayMs !== 0) {
          return (...args: Parameters<Kernels['spikeMatmul']>) => {
            const until = performance.now() + (typeof delayMs === 'number' ? delayMs : delayMs((args[0] as SpikeLists).rows));
            while (performance.now() < until);
            target.spikeMatmul(...args);
          };
        }
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  };
}
const factories = (wasmDelay: Delay, tfjsDelay: Delay): BackendFactories => ({
  wasm: posing('wasm', wasmDelay),
  tfjs: async () => posing('tfjs', tfjsDelay)(),
});

describe('chooseKernels', () => {
  it('takes wasm and tfjs as asked, with their own description', async () => {
    for (const family of ['wasm', 'tfjs'] as const) {
      const chosen = await chooseKernels(family, factories(0, 0), spec, options);
      expect(chosen.kernels.family).toBe(family);
      expect(chosen.description).toBe(`${family} (posing)`);
    }
  });

  it.each([[0, 30, 'wasm'], [30, 0, 'tfjs']] as const)('auto (wasm %i ms slower, tfjs %i ms slower) times this network on each and keeps the faster: %s', async (wasmDelay, tfjsDelay, want) => {
    const chosen = await chooseKernels('auto', factories(wasmDelay, tfjsDelay), spec, options);
    expect(chosen.kernels.family).toBe(want);
    expect(chosen.description).toMatch(new RegExp(`^${want} \\(posing\\) \\(auto: the faster for this network, one step of 10 samples at T=4: ${want} [\\d.]+ ms, ${want === 'wasm' ? 'tfjs' : 'wasm'} [\\d.]+ ms\\)$`));
  });

  // Like wasm's kernel threads when other processes hold the cores: a fixed wait per kernel call,
  // which a small batch shows at its worst, against a cost per sample.
  it('auto times the close ones again at the run\'s batch: a fixed cost per call loses at 16 samples and wins at 100', async () => {
    const perCall = 3;
    const perRow = (rows: number) => 0.025 * rows; // T = 4: 1.6 ms at 16 samples, 10 ms at 100
    const chosen = await chooseKernels('auto', factories(perCall, perRow), spec, { ...options, batchSize: 100 });
    expect(chosen.kernels.family).toBe('wasm');
    expect(chosen.description).toMatch(/^wasm \(posing\) \(auto: the faster for this network, one step of 100 samples at T=4: wasm [\d.]+ ms, tfjs [\d.]+ ms\)$/);
  });

  it('auto keeps the other backend when one fails at the run\'s batch, and says why', async () => {
    const failsAbove16 = (rows: number) => {
      if (rows > 4 * 16) throw new Error('out of memory');
      return 0;
    };
    const chosen = await chooseKernels('auto', factories(0, failsAbove16), spec, { ...options, batchSize: 100 });
    expect(chosen.kernels.family).toBe('wasm');
    expect(chosen.description).toMatch(/one step of 100 samples at T=4: wasm [\d.]+ ms, tfjs could not run it \(out of memory\)\)$/);
  });

  it('auto decides at 16 samples when one backend is clearly slower there, and says so', async () => {
    const chosen = await chooseKernels('auto', factories(0, 30), spec, { ...options, batchSize: 100 });
    expect(chosen.kernels.family).toBe('wasm');
    expect(chosen.description).toMatch(/\(auto: the faster for this network, one step of 16 samples at T=4: wasm [\d.]+ ms, tfjs [\d.]+ ms\)$/);
  });

  it('auto keeps the family a resumed run started on, without timing anything', async () => {
    const chosen = await chooseKernels('auto', factories(0, 30), spec, options, 'tfjs');
    expect(chosen.kernels.family).toBe('tfjs');
    expect(chosen.description).toBe('tfjs (posing) (auto: kept on resume, as the run started)');
  });

  it('auto takes the backend that runs when the other cannot start, and says why', async () => {
    const broken: BackendFactories = { ...factories(0, 0), wasm: () => { throw new Error('no WebAssembly SIMD'); } };
    const chosen = await chooseKernels('auto', broken, spec, options);
    expect(chosen.kernels.family).toBe('tfjs');
    expect(chosen.description).toMatch(/tfjs [\d.]+ ms, wasm could not run it \(no WebAssembly SIMD\)\)$/);
  });
});
