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
 * Resolve a backend name. `auto` takes the event-driven WASM kernels: every layer here takes
 * binary spikes, where a gather-add does ~13% of a dense matmul's work and beat tfjs-wasm 10× in
 * bench/results.md. Native TensorFlow (tfjs-node) cannot be installed on our machines, so it is
 * unmeasured, but its dense matmuls do all the work the gathers skip. tfjs is the fallback where
 * the WASM kernels cannot start (no WebAssembly SIMD or SharedArrayBuffer).
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
