/**
 * Coalesces many `schedule()` calls into one `run()` at most every `intervalMs`, on an animation
 * frame when the page has them (so chart updates never queue up behind each other). Live training
 * events arrive per batch; views redraw a few times a second.
 */
export interface Throttle {
  schedule(): void;
  /** Runs now if something is scheduled (tests, and before reading the latest state). */
  flush(): void;
  cancel(): void;
}

export function createThrottle(run: () => void, intervalMs = 250): Throttle {
  let scheduled = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let frame: number | null = null;
  let last = 0;
  const raf = typeof requestAnimationFrame === 'function' ? requestAnimationFrame : null;

  const fire = (): void => {
    timer = null;
    frame = null;
    if (!scheduled) return;
    scheduled = false;
    last = Date.now();
    run();
  };
  const onDue = (): void => {
    timer = null;
    if (raf) frame = raf(fire);
    else fire();
  };

  return {
    schedule() {
      if (scheduled) return;
      scheduled = true;
      timer = setTimeout(onDue, Math.max(0, last + intervalMs - Date.now()));
    },
    flush() {
      if (timer !== null) clearTimeout(timer);
      if (frame !== null && typeof cancelAnimationFrame === 'function') cancelAnimationFrame(frame);
      fire();
    },
    cancel() {
      scheduled = false;
      if (timer !== null) clearTimeout(timer);
      if (frame !== null && typeof cancelAnimationFrame === 'function') cancelAnimationFrame(frame);
      timer = null;
      frame = null;
    },
  };
}
