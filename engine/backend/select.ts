import { unknownName } from '../errors';
import type { Kernels } from './types';

export const BACKEND_NAMES = ['auto', 'wasm', 'tfjs'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** How to make each backend family on this platform (the Node seam supplies these). */
export interface BackendFactories {
  wasm(): Kernels;
  tfjs(): Promise<Kernels>;
}

/**
 * Resolve a backend name. Runs resolve `auto` by timing their own network on each backend
 * (engine/train/auto-backend.ts); here, with no network to time, `auto` takes the event-driven
 * WASM kernels, the faster on every spiking network in bench/results.md (10–13× tfjs-wasm), and
 * falls back to tfjs where they cannot start (no WebAssembly SIMD or SharedArrayBuffer).
 */
export async function createKernels(name: string, factories: BackendFactories): Promise<Kernels> {
  switch (name) {
    case 'wasm':
      return factories.wasm();
    case 'tfjs':
      return factories.tfjs();
    case 'auto':
      try {
        return factories.wasm();
      } catch {
        return factories.tfjs();
      }
    default:
      throw unknownName('backend', name, BACKEND_NAMES);
  }
}
