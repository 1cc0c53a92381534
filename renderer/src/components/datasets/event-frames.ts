/**
 * What the event-frame viewer draws (the paper's Fig. 5): the events of a time window as an image,
 * the windows of a strip over the recording, and the ON/OFF event rate over time. Pure functions
 * over an `EventStream` (engine/data/nmnist.ts), so tests can call them.
 */
import type { EventStream } from '../../../../engine/data/nmnist';

/** Index of the first event at or after `timeUs` (events are in time order). */
export function firstEventAt(events: EventStream, timeUs: number): number {
  let lo = 0;
  let hi = events.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events.t[mid]! < timeUs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Brightness of a pixel with n events in a window: one event is clearly visible, four saturate. */
function level(n: number): number {
  return n === 0 ? 0 : Math.min(255, 75 + 60 * n);
}

/**
 * The events in [fromUs, toUs) as RGBA (width × height × 4): ON events green, OFF events red, as
 * the sample thumbnails show them; a pixel with both is yellow-ish; no event is black.
 */
export function windowImage(events: EventStream, width: number, height: number, fromUs: number, toUs: number): Uint8ClampedArray {
  const on = new Uint16Array(width * height);
  const off = new Uint16Array(width * height);
  for (let i = firstEventAt(events, fromUs); i < events.count && events.t[i]! < toUs; i++) {
    const at = events.y[i]! * width + events.x[i]!;
    if (events.p[i]) on[at]!++;
    else off[at]!++;
  }
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < on.length; i++) {
    rgba[4 * i] = level(off[i]!);
    rgba[4 * i + 1] = level(on[i]!);
    rgba[4 * i + 3] = 255;
  }
  return rgba;
}

/** How long the recording lasts in µs: to its last event (0 without events). */
export function recordingEnd(events: EventStream): number {
  return events.count ? events.t[events.count - 1]! + 1 : 0;
}

/**
 * The starts of `count` windows of `windowUs` spread evenly from 0 to the last window that fits,
 * on whole milliseconds (so the strip's labels read 0, 32, 64 ms, not 32.1).
 */
export function stripStarts(endUs: number, windowUs: number, count: number): number[] {
  const last = Math.floor(Math.max(0, endUs - windowUs) / 1000);
  if (count <= 1) return [0];
  return Array.from({ length: count }, (_, k) => 1000 * Math.round((k * last) / (count - 1)));
}

/** ON and OFF events per bin of `binUs`, from 0 to the end. */
export function eventRate(events: EventStream, binUs: number): { on: number[]; off: number[] } {
  const bins = Math.max(1, Math.ceil(recordingEnd(events) / binUs));
  const on = new Array<number>(bins).fill(0);
  const off = new Array<number>(bins).fill(0);
  for (let i = 0; i < events.count; i++) {
    const bin = Math.min(bins - 1, Math.floor(events.t[i]! / binUs));
    if (events.p[i]) on[bin]!++;
    else off[bin]!++;
  }
  return { on, off };
}
