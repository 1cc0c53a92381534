/**
 * The peak memory an operation adds to this process. On Linux the kernel's own peak (VmHWM) is
 * reset first (/proc/self/clear_refs, "5"), so a peak inside a native call (a zlib inflate, a
 * Buffer never seen by JavaScript) counts; elsewhere RSS is sampled every 5 ms.
 */
import { readFileSync, writeFileSync } from 'node:fs';

function statusKb(field: string): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return statusKb('VmHWM') !== undefined;
  } catch {
    return false;
  }
}

/** Runs `fn`; returns its result or error, its time and how many MB the process's peak RSS rose above where it started. */
export async function measure<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: unknown; ms: number; peakMb: number }> {
  const exact = resetPeak();
  const startRss = process.memoryUsage().rss;
  let sampled = startRss;
  const sampler = exact ? undefined : setInterval(() => (sampled = Math.max(sampled, process.memoryUsage().rss)), 5);
  const started = performance.now();
  let value: T | undefined;
  let error: unknown;
  try {
    value = await fn();
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - started;
  clearInterval(sampler);
  const peak = exact ? statusKb('VmHWM')! * 1024 : Math.max(sampled, process.memoryUsage().rss);
  return { value, error, ms, peakMb: (peak - startRss) / 2 ** 20 };
}
