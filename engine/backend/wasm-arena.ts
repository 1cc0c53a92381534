import type { WasmRuntime } from '../wasm/runtime';

/**
 * The WASM backend's scratch memory: named buffers in the runtime's shared memory, reused across
 * calls and reallocated only to grow (the arena never frees), and the check that an array a kernel
 * is handed lives in that memory.
 */
export class WasmArena {
  private readonly scratch = new Map<string, { buf: Float32Array; size: number }>();
  /** Pooling window maps by geometry (engine/backend/wasm-conv.ts). */
  readonly maps = new Map<string, Int32Array>();

  constructor(readonly rt: WasmRuntime) {}

  /** A named scratch buffer of at least `count` floats. */
  scratchF32(key: string, count: number): Float32Array {
    const have = this.scratch.get(key);
    if (have && have.size >= count) return have.buf;
    const buf = this.rt.f32(count);
    this.scratch.set(key, { buf, size: count });
    return buf;
  }

  /** One scratch tile of `floats` per thread. */
  tiles(floats: number): Float32Array {
    return this.scratchF32('tiles', floats * this.rt.threads);
  }

  /** The address of an array that must already live in this backend's memory. */
  inMemory(a: Float32Array | Int32Array | Uint32Array): number {
    if (!this.rt.owns(a)) {
      throw new Error('WasmKernels: array was not allocated by this backend (use allocF32/allocI32/allocU32)');
    }
    return a.byteOffset;
  }
}
