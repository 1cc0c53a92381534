import { describe, expect, it } from 'vitest';
import { binEvents, encodeNmnist, parseNmnist, type BinOptions, type EventStream } from '../../../engine/data/nmnist';
import { Rng } from '../../../engine/rng';
import { engineError as errorOf } from '../../helpers/errors';

/** An event stream from [x, y, p, t] rows. */
function stream(rows: [number, number, number, number][]): EventStream {
  return {
    count: rows.length,
    x: Uint8Array.from(rows, (r) => r[0]),
    y: Uint8Array.from(rows, (r) => r[1]),
    p: Uint8Array.from(rows, (r) => r[2]),
    t: Uint32Array.from(rows, (r) => r[3]),
  };
}


// Three events, bytes worked out by hand from the format (x, y, p<<7 | t>>16, t>>8 & 255, t & 255):
//   (0, 33, OFF, t = 256 = 0x000100)        → 0, 33, 0x00, 0x01, 0x00
//   (5, 7, ON, t = 74565 = 0x012345)        → 5, 7, 0x81, 0x23, 0x45
//   (33, 0, OFF, t = 8388607 = 0x7fffff)    → 33, 0, 0x7f, 0xff, 0xff
const GOLDEN_BYTES = Uint8Array.of(0, 33, 0, 1, 0, 5, 7, 129, 35, 69, 33, 0, 127, 255, 255);
const GOLDEN_EVENTS = stream([
  [0, 33, 0, 256],
  [5, 7, 1, 74565],
  [33, 0, 0, 8388607],
]);

describe('parseNmnist / encodeNmnist', () => {
  it('parses hand-encoded events: x, y, polarity bit 7, 23-bit big-endian timestamp', () => {
    expect(parseNmnist(GOLDEN_BYTES, 'golden.bin')).toEqual(GOLDEN_EVENTS);
  });

  it('encodes to exactly those bytes', () => {
    expect(encodeNmnist(GOLDEN_EVENTS)).toEqual(GOLDEN_BYTES);
  });

  it('accepts an empty file as 0 events', () => {
    expect(parseNmnist(new Uint8Array(0), 'empty.bin')).toEqual(stream([]));
    expect(encodeNmnist(stream([]))).toEqual(new Uint8Array(0));
  });

  it('round-trips 2000 random time-ordered events both ways', () => {
    const rng = new Rng(7);
    let t = 0;
    const rows = Array.from({ length: 2000 }, (): [number, number, number, number] => {
      t += rng.nextU32() % 4000; // ties allowed: equal timestamps are in order
      return [rng.nextU32() % 34, rng.nextU32() % 34, rng.nextU32() % 2, t];
    });
    const events = stream(rows);
    const bytes = encodeNmnist(events);
    expect(bytes.length).toBe(10000);
    expect(parseNmnist(bytes, 'random.bin')).toEqual(events);
    expect(encodeNmnist(parseNmnist(bytes, 'random.bin'))).toEqual(bytes);
  });

  it('takes another sensor size', () => {
    const bytes = encodeNmnist(stream([[39, 33, 1, 0]]));
    expect(parseNmnist(bytes, 'wide.bin', { width: 40 }).x).toEqual(Uint8Array.of(39));
    expect(() => parseNmnist(bytes, 'wide.bin')).toThrow(/x = 39; allowed: 0\.\.33/);
  });

  const BAD_FILES: [string, Uint8Array, { width?: number; height?: number }, RegExp][] = [
    ['a truncated file', Uint8Array.of(...GOLDEN_BYTES, 1, 2, 3), {}, /^t\.bin: 18 bytes is not a whole number of 5-byte events: 3 trailing byte\(s\) after 3 events; the file is truncated$/],
    ['a file shorter than one event', Uint8Array.of(1, 2, 3, 4), {}, /^t\.bin: 4 bytes is not a whole number of 5-byte events: 4 trailing byte\(s\) after 0 events; the file is truncated$/],
    ['x = 40', encodeNmnist(stream([[0, 0, 0, 0], [40, 3, 1, 5]])), {}, /^t\.bin: event 1 has x = 40; allowed: 0\.\.33 \(sensor 34x34\)$/],
    ['x = 34, one past the edge', encodeNmnist(stream([[34, 0, 0, 0]])), {}, /^t\.bin: event 0 has x = 34; allowed: 0\.\.33 \(sensor 34x34\)$/],
    ['y = 34', encodeNmnist(stream([[0, 34, 0, 0]])), {}, /^t\.bin: event 0 has y = 34; allowed: 0\.\.33 \(sensor 34x34\)$/],
    ['y = 240, the ATIS overflow marker', encodeNmnist(stream([[0, 240, 0, 0]])), {}, /^t\.bin: event 0 has y = 240; allowed: 0\.\.33 \(sensor 34x34\) \(y = 240 is the ATIS timestamp-overflow marker/],
    ['time going backwards', encodeNmnist(stream([[0, 0, 0, 10], [1, 1, 1, 10], [2, 2, 0, 9]])), {}, /^t\.bin: event 2 has timestamp 9 us, before event 1's 10 us: N-MNIST events are in time order$/],
    ['y beyond a smaller sensor', encodeNmnist(stream([[0, 20, 0, 0]])), { width: 28, height: 20 }, /^t\.bin: event 0 has y = 20; allowed: 0\.\.19 \(sensor 28x20\)$/],
  ];

  it.each(BAD_FILES)('rejects %s, naming the file and the event', (_, bytes, sensor, expected) => {
    const error = errorOf(() => parseNmnist(bytes, 't.bin', sensor));
    expect(error.code).toBe('bad-data');
    expect(error.message).toMatch(expected);
  });

  it.each([
    [{ width: 0 }, /sensor width is 0; allowed: an integer from 1 to 256/],
    [{ height: 257 }, /sensor height is 257; allowed: an integer from 1 to 256/],
    [{ width: 2.5 }, /sensor width is 2\.5/],
  ])('rejects the sensor size %o', (sensor, expected) => {
    const error = errorOf(() => parseNmnist(GOLDEN_BYTES, 't.bin', sensor));
    expect(error.code).toBe('bad-option');
    expect(error.message).toMatch(expected);
  });

  it.each([
    ['polarity 2', stream([[0, 0, 2, 0]]), /^encodeNmnist: event 0 has polarity 2; allowed: 0 \(OFF\) or 1 \(ON\)$/],
    ['a timestamp of 2^23', stream([[0, 0, 0, 1], [0, 0, 0, 2 ** 23]]), /^encodeNmnist: event 1 has timestamp 8388608 us; allowed: 0\.\.8388607 \(23 bits\)$/],
    ['count beyond the columns', { ...stream([[0, 0, 0, 0]]), count: 2 }, /^encodeNmnist: count is 2; allowed: an integer from 0 to 1/],
  ])('encodeNmnist rejects %s', (_, events, expected) => {
    expect(errorOf(() => encodeNmnist(events)).message).toMatch(expected);
  });
});

describe('binEvents', () => {
  // A 3x2 sensor (plane of 6 pixels, index y*3 + x). Events [x, y, p, t µs]:
  const EVENTS = stream([
    [0, 0, 1, 100], // e0 ON  at pixel 0
    [1, 0, 0, 101], // e1 OFF at pixel 1
    [1, 0, 0, 103], // e2 OFF at pixel 1 again
    [2, 1, 1, 104], // e3 ON  at pixel 5
    [0, 0, 1, 109], // e4 ON  at pixel 0
  ]);
  const SENSOR = { width: 3, height: 2 };
  const ZERO = [0, 0, 0, 0, 0, 0];
  /** One frame [OFF plane, ON plane] with the given pixels set. */
  const frame = (off: number[], on: number[]) => [
    ...ZERO.map((_, i) => (off.includes(i) ? 1 : 0)),
    ...ZERO.map((_, i) => (on.includes(i) ? 1 : 0)),
  ];

  it.each<[string, Omit<BinOptions, 'width' | 'height'>, number[][]]>([
    // duration = 109 − 100 + 1 = 10; dt = ceil(10/2) = 5: offsets 0,1,3,4 → bin 0; 9 → bin 1.
    // e1 and e2 share a pixel and a bin: still 1, not 2.
    ['time, 2 steps', { steps: 2, mode: 'time' }, [frame([1], [0, 5]), frame([], [0])]],
    // dt = ceil(10/3) = 4: offsets 0,1,3 → bin 0; 4 → bin 1; 9 → bin 2.
    ['time, 3 steps', { steps: 3, mode: 'time' }, [frame([1], [0]), frame([], [5]), frame([], [0])]],
    // dt = 2: offsets 0,1 → bin 0; 3 → bin 1; 4 → bin 2 and 9 → bin 4 are past 2 steps: dropped.
    ['time, dtUs 2', { steps: 2, mode: 'time', dtUs: 2 }, [frame([1], [0]), frame([1], [])]],
    // dt = 100 µs: everything in bin 0, bins 1 and 2 empty.
    ['time, dtUs 100', { steps: 3, mode: 'time', dtUs: 100 }, [frame([1], [0, 5]), frame([], []), frame([], [])]],
    // n = 5: groups [0, 2), [2, 5).
    ['count, 2 steps', { steps: 2, mode: 'count' }, [frame([1], [0]), frame([1], [0, 5])]],
    // groups [⌊5k/3⌋, ⌊5(k+1)/3⌋) = [0,1), [1,3), [3,5) (SpikingJelly: [0,1), [1,2), [2,5)).
    ['count, 3 steps', { steps: 3, mode: 'count' }, [frame([], [0]), frame([1], []), frame([], [0, 5])]],
    // more steps than events: bounds ⌊5k/7⌋ = 0,0,1,2,2,3,4,5 → frames 0 and 3 empty.
    ['count, 7 steps', { steps: 7, mode: 'count' }, [frame([], []), frame([], [0]), frame([1], []), frame([], []), frame([1], []), frame([], [5]), frame([], [0])]],
    ['count, 1 step', { steps: 1, mode: 'count' }, [frame([1], [0, 5])]],
  ])('golden frames: %s', (_, opts, frames) => {
    expect(Array.from(binEvents(EVENTS, { ...opts, ...SENSOR }))).toEqual(frames.flat());
  });

  it('lays frames out [steps, 2, height, width] on the 34x34 default sensor', () => {
    const frames = binEvents(stream([[5, 7, 1, 0], [33, 33, 0, 1]]), { steps: 2, mode: 'count' });
    expect(frames.length).toBe(2 * 2 * 34 * 34);
    const at = (k: number, c: number, y: number, x: number) => frames[((k * 2 + c) * 34 + y) * 34 + x];
    expect([at(0, 1, 7, 5), at(1, 0, 33, 33)]).toEqual([1, 1]);
    expect(frames.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('gives empty frames for an empty stream, and clears a reused out', () => {
    const out = new Uint8Array(2 * 2 * 6).fill(7);
    expect(binEvents(stream([]), { steps: 2, mode: 'time', ...SENSOR }, out)).toBe(out);
    expect(Array.from(out)).toEqual(new Array(24).fill(0));
  });

  it('keeps every event in default time mode (any duration, any steps)', () => {
    const events = stream([[0, 0, 1, 5], [1, 0, 1, 6], [2, 0, 1, 1_000_005]]);
    for (const steps of [1, 2, 3, 7, 1000]) {
      const frames = binEvents(events, { steps, mode: 'time', width: 3, height: 1 });
      expect(frames.reduce((a, b) => a + b, 0), `steps ${steps}`).toBe(3);
      expect(frames[(steps - 1) * 6 + 3 + 2], `steps ${steps}: last event in the last bin`).toBe(1);
    }
  });

  const BAD: [string, EventStream, BinOptions, Uint8Array | undefined, string, RegExp][] = [
    ['steps 0', EVENTS, { steps: 0, mode: 'time' }, undefined, 'bad-option', /^binEvents: steps is 0; allowed: an integer from 1 to 10000$/],
    ['steps 1.5', EVENTS, { steps: 1.5, mode: 'count' }, undefined, 'bad-option', /steps is 1\.5; allowed/],
    ['steps 10001', EVENTS, { steps: 10001, mode: 'count' }, undefined, 'bad-option', /steps is 10001; allowed/],
    ['an unknown mode', EVENTS, { steps: 2, mode: 'spikes' as 'time' }, undefined, 'bad-option', /^binEvents: mode is "spikes"; allowed: 'time', 'count'$/],
    ['dtUs 0', EVENTS, { steps: 2, mode: 'time', dtUs: 0 }, undefined, 'bad-option', /^binEvents: dtUs is 0; allowed: a finite number of microseconds > 0$/],
    ['dtUs -5', EVENTS, { steps: 2, mode: 'time', dtUs: -5 }, undefined, 'bad-option', /dtUs is -5; allowed/],
    ['dtUs NaN', EVENTS, { steps: 2, mode: 'time', dtUs: Number.NaN }, undefined, 'bad-option', /dtUs is NaN; allowed/],
    ['dtUs Infinity', EVENTS, { steps: 2, mode: 'time', dtUs: Infinity }, undefined, 'bad-option', /dtUs is Infinity; allowed/],
    ['dtUs in count mode', EVENTS, { steps: 2, mode: 'count', dtUs: 5 }, undefined, 'bad-option', /^binEvents: dtUs is 5 but mode is 'count'; dtUs applies only to mode 'time'$/],
    ['an out of the wrong size', EVENTS, { steps: 2, mode: 'count' }, new Uint8Array(10), 'bad-option', /^binEvents: out has 10 bytes; allowed: exactly 4624 \(steps\*2\*height\*width = 2\*2\*34\*34\)$/],
    ['an event off the sensor', stream([[3, 0, 0, 0]]), { steps: 1, mode: 'count', width: 3, height: 2 }, undefined, 'bad-data', /^binEvents: event stream: event 0 has x = 3; allowed: 0\.\.2 \(sensor 3x2\)$/],
    ['events out of time order', stream([[0, 0, 0, 5], [0, 0, 0, 4]]), { steps: 1, mode: 'count' }, undefined, 'bad-data', /event 1 has timestamp 4 us, before event 0's 5 us/],
    ['polarity 2', stream([[0, 0, 2, 0]]), { steps: 1, mode: 'count' }, undefined, 'bad-data', /event 0 has polarity 2; allowed: 0 \(OFF\) or 1 \(ON\)/],
    ['count beyond the columns', { ...stream([[0, 0, 0, 0]]), count: 3 }, { steps: 1, mode: 'count' }, undefined, 'bad-data', /^binEvents: count is 3; allowed: an integer from 0 to 1/],
  ];

  it.each(BAD)('rejects %s', (_, events, opts, out, code, expected) => {
    const error = errorOf(() => binEvents(events, opts, out));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(expected);
  });
});
