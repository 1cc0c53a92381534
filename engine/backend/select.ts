import { EngineError } from '../errors';
import type { Kernels } from './types';

export const BACKEND_NAMES = ['auto', 'wasm', 'tfjs'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** How to make each backend family on this platform (the Node seam supplies these). */
export interface BackendFactories {
  wasm(): Kernels;
  tfjs(): Promise<Kernels>;
}

/**
 * Resolve a backend name. `auto` takes the event-driven WASM kernels: networks here take binary
 * spikes at every layer, where a gather-add beats every dense matmul we measured (ENGINE-NOTES.md),
 * native TensorFlow included; tfjs is the fallback when WebAssembly SIMD is unavailable.
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
      throw new EngineError('unknown-backend', `unknown backend ${JSON.stringify(name)} (known: ${BACKEND_NAMES.join(', ')})`);
  }
}
