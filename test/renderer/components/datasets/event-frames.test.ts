import { describe, expect, it } from 'vitest';
import type { EventStream } from '../../../../engine/data/nmnist';
import { eventRate, firstEventAt, recordingEnd, stripStarts, windowImage } from '../../../../renderer/src/components/datasets/event-frames';

/** Events from [x, y, p, t] rows, in time order. */
function stream(rows: [number, number, number, number][]): EventStream {
  return {
    count: rows.length,
    x: Uint8Array.from(rows, (r) => r[0]),
    y: Uint8Array.from(rows, (r) => r[1]),
    p: Uint8Array.from(rows, (r) => r[2]),
    t: Uint32Array.from(rows, (r) => r[3]),
  };
}

// On a 3×2 sensor: ON at (0, 0) at 0 and 5 µs, OFF at (2, 1) at 10 µs, ON at (1, 1) at 10 and 30 µs.
const EVENTS = stream([[0, 0, 1, 0], [0, 0, 1, 5], [2, 1, 0, 10], [1, 1, 1, 10], [1, 1, 1, 30]]);
const pixel = (rgba: Uint8ClampedArray, x: number, y: number) => [...rgba.subarray(4 * (y * 3 + x), 4 * (y * 3 + x) + 4)];

describe('event frames', () => {
  it('finds the first event at or after a time', () => {
    expect([0, 1, 5, 6, 10, 11, 30, 31].map((t) => firstEventAt(EVENTS, t))).toEqual([0, 1, 1, 2, 2, 4, 4, 5]);
  });

  it('draws a window [from, to): ON green, OFF red, brighter with more events, black where none', () => {
    const all = windowImage(EVENTS, 3, 2, 0, 31);
    expect(pixel(all, 0, 0)).toEqual([0, 195, 0, 255]); // two ON
    expect(pixel(all, 2, 1)).toEqual([135, 0, 0, 255]); // one OFF
    expect(pixel(all, 1, 1)).toEqual([0, 195, 0, 255]);
    expect(pixel(all, 1, 0)).toEqual([0, 0, 0, 255]);
    const middle = windowImage(EVENTS, 3, 2, 5, 10); // only the ON at 5 µs: 10 is excluded
    expect(pixel(middle, 0, 0)).toEqual([0, 135, 0, 255]);
    expect(pixel(middle, 2, 1)).toEqual([0, 0, 0, 255]);
  });

  it('spreads the strip evenly from 0 to the last window that still fits, on whole milliseconds', () => {
    expect(recordingEnd(EVENTS)).toBe(31);
    expect(stripStarts(300_000, 10_000, 4)).toEqual([0, 97_000, 193_000, 290_000]);
    expect(stripStarts(298_900, 10_000, 2)).toEqual([0, 288_000]);
    expect(stripStarts(5_000, 10_000, 3)).toEqual([0, 0, 0]);
    expect(stripStarts(300_000, 10_000, 1)).toEqual([0]);
  });

  it('counts ON and OFF events per bin up to the last event', () => {
    expect(eventRate(EVENTS, 10)).toEqual({ on: [2, 1, 0, 1], off: [0, 1, 0, 0] });
    expect(eventRate(stream([]), 10)).toEqual({ on: [0], off: [0] });
  });
});
