import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import util from 'node:util';
import type * as tfc from '@tensorflow/tfjs-core';
import { spawnNodeKernelThread } from '../wasm/threads-node';
import { WasmKernels } from './wasm';
import { TfjsKernels } from './tfjs';
import { createKernels, type BackendFactories } from './select';
import { EngineError } from '../errors';
import type { Kernels } from './types';

const require = createRequire(import.meta.url);

/** Threads for the WASM kernels by default: every core, up to 8 (gathers stop scaling there). */
export const DEFAULT_WASM_THREADS = Math.min(8, availableParallelism());

/** Node's backend factories: WASM kernels on every core, tfjs with the best engine found. */
export const nodeBackends: BackendFactories = {
  wasm: () => new WasmKernels(DEFAULT_WASM_THREADS, spawnNodeKernelThread),
  tfjs: async () => new TfjsKernels(await loadTfjs()),
};

export function createNodeKernels(name: string, opts: { threads?: number } = {}): Promise<Kernels> {
  return createKernels(name, nodeFactories(opts));
}

/** Node's factories with the WASM kernels on `threads` threads (default: every core, up to 8). */
export function nodeFactories(opts: { threads?: number } = {}): BackendFactories {
  if (opts.threads === undefined) return nodeBackends;
  if (!Number.isInteger(opts.threads) || opts.threads < 1 || opts.threads > 64) {
    throw new EngineError('bad-option', `threads is ${opts.threads}; allowed: an integer from 1 to 64`);
  }
  return { ...nodeBackends, wasm: () => new WasmKernels(opts.threads, spawnNodeKernelThread) };
}

let loaded: Promise<typeof tfc> | undefined;

/**
 * tfjs with the fastest engine installed: @tensorflow/tfjs-node (native TensorFlow; optional,
 * its install downloads libtensorflow), else tfjs-backend-wasm, else the cpu backend.
 */
export function loadTfjs(): Promise<typeof tfc> {
  loaded ??= (async () => {
    try {
      polyfillNodeUtil();
      const tf = require('@tensorflow/tfjs-node') as typeof tfc;
      await tf.ready();
      return tf;
    } catch {
      // Not installed (or libtensorflow missing): fall through to the portable engines.
    }
    const tf = require('@tensorflow/tfjs-core') as typeof tfc;
    require('@tensorflow/tfjs-backend-cpu');
    try {
      const wasm = require('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
      if (await tf.setBackend('wasm')) return tf;
    } catch {
      // fall back to cpu
    }
    await tf.setBackend('cpu');
    return tf;
  })();
  return loaded;
}

/**
 * tfjs-node 4.22 calls util.isArray/isNullOrUndefined/…, removed in Node 23 (Electron ≥ 40 ships
 * Node 24). Restore the few it uses, only where missing.
 */
export function polyfillNodeUtil(): void {
  const u = util as unknown as Record<string, unknown>;
  const fill: Record<string, (v: unknown) => boolean> = {
    isArray: Array.isArray,
    isNullOrUndefined: (v) => v === null || v === undefined,
    isNull: (v) => v === null,
    isUndefined: (v) => v === undefined,
    isString: (v) => typeof v === 'string',
    isNumber: (v) => typeof v === 'number',
    isBoolean: (v) => typeof v === 'boolean',
    isFunction: (v) => typeof v === 'function',
    isObject: (v) => v !== null && typeof v === 'object',
    isPrimitive: (v) => v === null || (typeof v !== 'object' && typeof v !== 'function'),
  };
  for (const [name, f] of Object.entries(fill)) if (typeof u[name] !== 'function') u[name] = f;
}
