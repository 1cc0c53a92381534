import { createNodeKernels } from '../../../engine/backend/backends-node';
import type { Kernels } from '../../../engine/backend/types';

/**
 * Every Node backend a kernel test runs on. Two WASM threads split each kernel's range, so results
 * must not depend on the split; tfjs runs its matmuls on tfjs and the LIF scans in JavaScript.
 */
export const NODE_BACKENDS: readonly (readonly [string, () => Promise<Kernels>])[] = [
  ['wasm (1 thread)', () => createNodeKernels('wasm', { threads: 1 })],
  ['wasm (2 threads)', () => createNodeKernels('wasm', { threads: 2 })],
  ['tfjs', () => createNodeKernels('tfjs')],
];

/** Index of the first element whose bit pattern differs between two Float32Arrays, or −1 if identical. */
export function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}
