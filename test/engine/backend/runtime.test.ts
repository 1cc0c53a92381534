import { describe, expect, it } from 'vitest';
import { WasmRuntime } from '../../../engine/wasm/runtime';
import { spawnNodeKernelThread } from '../../../engine/wasm/threads-node';

/** Block this thread for `ms` (the helper runs meanwhile). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe('WasmRuntime: jobs on helper threads', () => {
  // The caller posts a job's number, then notifies. A helper can see the number, run a short job
  // and sleep again before that notify lands; a wake-up alone must not run the job a second time
  // (it did, rarely, under load: in-place kernels such as the LIF scan applied twice, and the next
  // kernel racing the rerun; found as runs with the same seed that differed).
  it('a late or spurious wake-up does not run the last job again', () => {
    const rt = new WasmRuntime(2, spawnNodeKernelThread);
    try {
      const n = 64;
      const p = rt.f32(n).fill(1);
      const g = rt.f32(n).fill(1);
      rt.split('sgdUpdate', 2, [p.byteOffset, g.byteOffset, 0, n, 0.25]); // p −= 0.25·g, in place
      const once = Array.from(p);
      expect(once).toEqual(new Array(n).fill(0.75));
      const helper = (rt as unknown as { helpers: { ctrl: Int32Array }[] }).helpers[0]!;
      for (let i = 0; i < 20; i++) {
        sleep(5); // the helper is asleep on its job number by now
        Atomics.notify(helper.ctrl, 0); // a wake-up without a new job
      }
      sleep(50);
      expect(Array.from(p), 'the helper half ran again').toEqual(once);
      rt.split('sgdUpdate', 2, [p.byteOffset, g.byteOffset, 0, n, 0.25]); // and the next job still runs, once
      expect(Array.from(p)).toEqual(new Array(n).fill(0.5));
    } finally {
      rt.dispose();
    }
  });

  // A range shorter than the threads, or not a multiple of them: every element once, none twice
  // (an in-place update shows both a missed and a repeated element).
  it.each([0, 1, 2, 3, 4, 5, 7])('split covers a range of %i elements exactly once on 3 threads', (n) => {
    const rt = new WasmRuntime(3, spawnNodeKernelThread);
    try {
      const p = rt.f32(n + 2).fill(1);
      const g = rt.f32(n + 2).fill(1);
      rt.split('sgdUpdate', 2, [p.byteOffset, g.byteOffset, 1, n + 1, 0.25]);
      expect(Array.from(p)).toEqual([1, ...new Array(n).fill(0.75), 1]);
    } finally {
      rt.dispose();
    }
  });
});
