import { kernelsWasmBase64 } from './build/kernels';

/** Names of the kernel exports (engine/wasm/assembly/index.ts); a job names its kernel by index. */
export const KERNEL_NAMES = [
  'gatherPacked', 'packBlocks', 'transpose', 'columnSums', 'lifForward', 'lifBackward',
  'bernoulliEncode', 'transposeLists', 'sgdUpdate', 'adamUpdate',
  'convSpikes', 'convDense', 'convBackInput', 'convSpikesWeightGrad', 'convDenseWeightGrad',
  'poolSpikes', 'poolDense', 'poolBack', 'channelSums', 'listNonZeros', 'gatherRows', 'convWeightGradRegs',
  'spikeDeltas', 'gatherDelta', 'packSigned', 'packSuffix', 'transposeDeltaLists', 'gatherSigned',
  'convSpikesDelta', 'convSpikesWeightGradDelta', 'convLifBackwardDelta', 'convByPosition', 'convBackByPosition',
  'bernoulliThresholds', 'convByPositionDelta', 'listChanges', 'countNonZeros',
] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];
type KernelFn = (...args: number[]) => void;

const PAGE = 65536;
/** Most arguments a kernel takes (the fused conv LIF backward: 36). */
const MAX_ARGS = 48;
const CONTROL_BYTES = 64 + 8 * MAX_ARGS; // 16 i32 slots, then up to MAX_ARGS f64 arguments
// Control slots: SEQ counts posted jobs, KERNEL names one (−1: exit), NARGS, DONE (0 busy, 1 ok, −1 error).
const SEQ = 0, KERNEL = 1, NARGS = 2, DONE = 3;
/**
 * Polls of a control slot before sleeping on it (7.5 ns a poll measured here with both cores
 * busy, so at most ~150 µs). A training step posts dozens of jobs a few hundred microseconds
 * apart, and waking a thread from Atomics.wait costs tens of microseconds each time; a short spin
 * catches the next job or the helper's answer awake, and stays bounded so that an
 * oversubscribed machine loses little to it.
 */
export const SPIN_POLLS = 20_000;

/**
 * A helper thread that runs kernel jobs over the shared memory. The platform seam
 * (engine/wasm/threads-node.ts) creates it; the engine itself never imports worker_threads.
 */
export interface KernelThread {
  terminate(): void;
}
export type SpawnKernelThread = (init: {
  module: WebAssembly.Module; memory: WebAssembly.Memory; control: SharedArrayBuffer; names: readonly string[]; spinPolls: number;
}) => KernelThread;

let compiled: WebAssembly.Module | undefined;
function kernelModule(): WebAssembly.Module {
  if (!compiled) {
    const bytes = Uint8Array.from(atob(kernelsWasmBase64), (c) => c.charCodeAt(0));
    compiled = new WebAssembly.Module(bytes);
  }
  return compiled;
}

/** A helper thread and its own control block (one job at a time). */
interface Helper {
  thread: KernelThread;
  ctrl: Int32Array;
  args: Float64Array;
}

/**
 * One shared linear memory, a bump allocator over it, and the kernels instantiated on the calling
 * thread plus optional helper threads. `split` divides a kernel's range argument between the
 * threads: the calling thread takes the first part, each helper one of the rest, and it returns
 * when all are done.
 */
export class WasmRuntime {
  readonly memory: WebAssembly.Memory;
  private readonly kernels: Record<KernelName, KernelFn>;
  private readonly helpers: Helper[] = [];
  // The module's static data (math tables) sits from address 1024 in the first page, and every
  // instance, including a helper thread's, rewrites it when instantiated: the arena starts above.
  private top = PAGE;

  constructor(threads: number, spawn?: SpawnKernelThread) {
    this.memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    const instance = new WebAssembly.Instance(kernelModule(), {
      env: { memory: this.memory, abort: () => { throw new Error('wasm kernel aborted'); } },
    });
    this.kernels = instance.exports as unknown as Record<KernelName, KernelFn>;
    if (!spawn) return;
    for (let i = 1; i < threads; i++) {
      const control = new SharedArrayBuffer(CONTROL_BYTES);
      const thread = spawn({ module: kernelModule(), memory: this.memory, control, names: KERNEL_NAMES, spinPolls: SPIN_POLLS });
      this.helpers.push({ thread, ctrl: new Int32Array(control, 0, 16), args: new Float64Array(control, 64, MAX_ARGS) });
    }
  }

  get threads(): number {
    return 1 + this.helpers.length;
  }

  /** Reserve bytes (16-aligned, for SIMD loads); grows the memory as needed. */
  allocBytes(bytes: number): number {
    const at = (this.top + 15) & ~15;
    const end = at + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    return at;
  }
  f32(count: number): Float32Array {
    const at = this.allocBytes(count * 4);
    return new Float32Array(this.buffer(), at, count);
  }
  i32(count: number): Int32Array {
    const at = this.allocBytes(count * 4);
    return new Int32Array(this.buffer(), at, count);
  }
  u32(count: number): Uint32Array {
    const at = this.allocBytes(count * 4);
    return new Uint32Array(this.buffer(), at, count);
  }

  /** True when the array is a view of this runtime's memory (so its byteOffset is an address). */
  owns(a: ArrayBufferView): boolean {
    return this.buffers.has(a.buffer as SharedArrayBuffer);
  }

  /** The current buffer; after growth it is a new object over the same memory, remembered too. */
  private buffer(): SharedArrayBuffer {
    const b = this.memory.buffer as unknown as SharedArrayBuffer;
    this.buffers.add(b);
    return b;
  }
  private readonly buffers = new WeakSet<SharedArrayBuffer>();

  /** Run a kernel on the calling thread only. */
  call(name: KernelName, ...args: number[]): void {
    this.kernels[name](...args);
  }

  /**
   * Run a kernel whose arguments at `rangeAt` and `rangeAt + 1` are a half-open range [lo, hi):
   * the range is split evenly between this thread and the helpers. Kernels write disjoint outputs
   * per range element, so the split never changes a result. With `partAt`, that argument is set to
   * the part's number (0 for the calling thread, up to threads − 1): a kernel's scratch slot.
   */
  split(name: KernelName, rangeAt: number, args: number[], partAt = -1): void {
    const lo = args[rangeAt]!;
    const hi = args[rangeAt + 1]!;
    const n = hi - lo;
    const step = n > 0 ? Math.ceil(n / Math.min(this.threads, n)) : 1;
    this.spread(name, args, partAt, n > 0 ? Math.ceil(n / step) : 1, (p, a) => {
      a[rangeAt] = lo + p * step;
      a[rangeAt + 1] = Math.min(hi, lo + (p + 1) * step);
    });
  }

  /**
   * As `split`, but part p takes every parts-th element from lo + p (the kernel's argument at
   * `strideAt` says how many parts there are): for kernels over rows t·batch + b whose cost drifts
   * with the time step t, where contiguous ranges would give one thread the costlier steps.
   */
  splitStrided(name: KernelName, rangeAt: number, strideAt: number, args: number[], partAt = -1): void {
    const lo = args[rangeAt]!;
    const parts = Math.max(1, Math.min(this.threads, args[rangeAt + 1]! - lo));
    this.spread(name, args, partAt, parts, (p, a) => {
      a[rangeAt] = lo + p;
      a[strideAt] = parts;
    });
  }

  /** Run the kernel as `parts` parts (at most the threads), `place` setting part p's range in its arguments. */
  private spread(name: KernelName, args: number[], partAt: number, parts: number, place: (p: number, a: number[] | Float64Array) => void): void {
    if (args.length > MAX_ARGS) throw new Error(`wasm kernel ${name}: ${args.length} arguments; allowed: up to ${MAX_ARGS}`);
    if (parts <= 1) {
      if (partAt >= 0) args[partAt] = 0;
      place(0, args);
      this.kernels[name](...args);
      return;
    }
    const posted: Helper[] = [];
    for (let p = 1; p < parts; p++) {
      const h = this.helpers[p - 1]!;
      h.args.set(args);
      place(p, h.args);
      if (partAt >= 0) h.args[partAt] = p;
      Atomics.store(h.ctrl, KERNEL, KERNEL_NAMES.indexOf(name));
      Atomics.store(h.ctrl, NARGS, args.length);
      Atomics.store(h.ctrl, DONE, 0);
      Atomics.add(h.ctrl, SEQ, 1);
      Atomics.notify(h.ctrl, SEQ);
      posted.push(h);
    }
    const mine = args.slice();
    place(0, mine);
    if (partAt >= 0) mine[partAt] = 0;
    this.kernels[name](...mine);
    let failed = false;
    for (const h of posted) {
      for (let i = 0; i < SPIN_POLLS && Atomics.load(h.ctrl, DONE) === 0; i++);
      while (Atomics.load(h.ctrl, DONE) === 0) Atomics.wait(h.ctrl, DONE, 0);
      failed ||= Atomics.load(h.ctrl, DONE) < 0;
    }
    if (failed) throw new Error(`wasm kernel ${name} failed on a helper thread`);
  }

  dispose(): void {
    for (const h of this.helpers) {
      Atomics.store(h.ctrl, KERNEL, -1);
      Atomics.add(h.ctrl, SEQ, 1);
      Atomics.notify(h.ctrl, SEQ);
      h.thread.terminate();
    }
    this.helpers.length = 0;
  }
}

/** The loop a helper thread runs: wait for a job, run it over the shared memory, signal done. */
export const KERNEL_THREAD_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, names } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('wasm kernel aborted'); } } });
const ctrl = new Int32Array(control, 0, 16);
const args = new Float64Array(control, 64, (control.byteLength - 64) / 8);
const spinPolls = workerData.spinPolls;
let seen = 0;
for (;;) {
  for (let i = 0; i < spinPolls && Atomics.load(ctrl, 0) === seen; i++);
  // Only a new job number is a job, never a wake-up alone: the caller notifies after posting, and
  // that notify can land after this thread already saw the number, ran a short job and went back
  // to sleep; running the job again then raced the caller's next kernels.
  while (Atomics.load(ctrl, 0) === seen) Atomics.wait(ctrl, 0, seen);
  seen = Atomics.load(ctrl, 0);
  const which = Atomics.load(ctrl, 1);
  if (which < 0) break;
  let status = 1;
  // Another thread may have grown the shared memory: grow(0) makes this instance see the new size.
  memory.grow(0);
  try { instance.exports[names[which]](...Array.from(args.subarray(0, Atomics.load(ctrl, 2)))); }
  catch (e) { status = -1; console.error('kernel thread:', names[which], e); }
  Atomics.store(ctrl, 3, status);
  Atomics.notify(ctrl, 3);
}
`;
