import { describe, expect, it } from 'vitest';
import { DEFAULT_EMULATION, emulateEvents, emulationParams, makeSensor, type EmulationParams } from '../../../engine/data/emulate-events';
import { saccadeOffset, saccadeSchedule } from '../../../engine/data/saccades';
import { loadMnist } from '../../../engine/data/mnist-node';
import { encodeNmnist, parseNmnist, type EventStream } from '../../../engine/data/nmnist';
import { engineError } from '../../helpers/errors';

const SIZE = 28;

/** A 28×28 image from a function of (x, y). */
function image(f: (x: number, y: number) => number): Uint8Array {
  const out = new Uint8Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) out[y * SIZE + x] = f(x, y);
  return out;
}

/** A vertical edge down the image: grey level `left` in columns 0..13, `right` in 14..27. */
const edge = (left: number, right: number) => image((x) => (x < 14 ? left : right));

/**
 * Where only the edge can change what a pixel sees: sensor rows 10..23 see image rows 4..24 for
 * any shift (|dy| ≤ 3, one more for the bilinear neighbour), so not the image's top and bottom
 * boundaries, and sensor columns 13..20 see image columns 7..21, so the edge (between 13 and 14)
 * but not the image's right boundary (between 27 and the black beyond).
 */
const inEdgeBand = (events: EventStream, i: number) => events.y[i]! >= 10 && events.y[i]! <= 23 && events.x[i]! >= 13 && events.x[i]! <= 20;

function countInEdgeBand(events: EventStream): number {
  let n = 0;
  for (let i = 0; i < events.count; i++) if (inEdgeBand(events, i)) n++;
  return n;
}

function record(pixels: Uint8Array, overrides: Partial<EmulationParams> = {}): EventStream {
  return emulateEvents(pixels, makeSensor(SIZE, SIZE, emulationParams(overrides)));
}

/**
 * The reference: what sensor pixel (x, y) sees with the image shifted by (dx, dy), written out
 * directly (bilinear interpolation of the image on black), independent of the emulator's padded scene.
 */
function seen(pixels: Uint8Array, border: number, x: number, y: number, dx: number, dy: number): number {
  const u = x - border - dx;
  const v = y - border - dy;
  const at = (c: number, r: number) => (c >= 0 && c < SIZE && r >= 0 && r < SIZE ? pixels[r * SIZE + c]! : 0);
  const c = Math.floor(u);
  const r = Math.floor(v);
  const fx = u - c;
  const fy = v - r;
  return (1 - fx) * (1 - fy) * at(c, r) + fx * (1 - fy) * at(c + 1, r) + (1 - fx) * fy * at(c, r + 1) + fx * fy * at(c + 1, r + 1);
}

/** Per sensor pixel: the range (max − min) of ln(I + ε) over the recording's samples, by the reference. */
function logRange(pixels: Uint8Array, params: EmulationParams): Float64Array {
  const side = SIZE + 2 * params.border;
  const lo = new Float64Array(side * side).fill(Infinity);
  const hi = new Float64Array(side * side).fill(-Infinity);
  const schedule = saccadeSchedule(params);
  for (let k = 0; k < schedule.t.length; k++) {
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const L = Math.log(seen(pixels, params.border, x, y, schedule.dx[k]!, schedule.dy[k]!) / 255 + params.epsilon);
        lo[y * side + x] = Math.min(lo[y * side + x]!, L);
        hi[y * side + x] = Math.max(hi[y * side + x]!, L);
      }
    }
  }
  return hi.map((h, i) => h - lo[i]!);
}

function eventsPerPixel(events: EventStream, side: number): Uint32Array {
  const counts = new Uint32Array(side * side);
  for (let i = 0; i < events.count; i++) counts[events.y[i]! * side + events.x[i]!]!++;
  return counts;
}

describe('emulateEvents on synthetic scenes', () => {
  it('a black image gives no events, and neither does a still one (border 0: no room to move)', () => {
    expect(record(new Uint8Array(SIZE * SIZE)).count).toBe(0);
    expect(record(edge(0, 255), { border: 0 }).count).toBe(0);
  });

  it('a flat grey image fires only along its outline, never inside, where nothing changes', () => {
    const params = emulationParams();
    const flat = image(() => 128);
    const events = record(flat);
    const range = logRange(flat, params);
    expect(events.count).toBeGreaterThan(100);
    const side = SIZE + 2 * params.border;
    const counts = eventsPerPixel(events, side);
    for (let i = 0; i < counts.length; i++) if (range[i] === 0) expect(counts[i], `pixel ${i % side},${(i / side) | 0}`).toBe(0);
    // The centre 16×16 is far from the outline: it sees 128 throughout.
    for (let y = 9; y < 25; y++) for (let x = 9; x < 25; x++) expect(counts[y * side + x]).toBe(0);
  });

  it('fires where the log intensity changed by more than a threshold, and nowhere it changed by less', () => {
    const params = emulationParams();
    const scene = edge(40, 220);
    const counts = eventsPerPixel(record(scene), SIZE + 2 * params.border);
    const range = logRange(scene, params);
    const most = params.threshold * (1 + 3 * params.thresholdSigma);
    const least = params.threshold * (1 - 3 * params.thresholdSigma);
    let firing = 0;
    for (let i = 0; i < counts.length; i++) {
      if (range[i]! >= most) expect(counts[i], `pixel ${i}: range ${range[i]}`).toBeGreaterThan(0);
      if (range[i]! < least) expect(counts[i], `pixel ${i}: range ${range[i]}`).toBe(0);
      if (counts[i]! > 0) firing++;
    }
    expect(firing).toBeGreaterThan(40);
  });

  it('a brightening edge gives ON events and a darkening one OFF: dark-left edge moving right darkens, moving left brightens', () => {
    // Saccades 1 and 2 move the image right (dx −3 → 0 → 3): each pixel near the edge goes from
    // seeing the bright right side to the dark left side (OFF); saccade 3 moves it back left (ON).
    const polarities = (events: EventStream) => {
      const counts = { onMovingRight: 0, offMovingRight: 0, onMovingLeft: 0, offMovingLeft: 0 };
      for (let i = 0; i < events.count; i++) {
        if (!inEdgeBand(events, i)) continue;
        const right = events.t[i]! <= 200_000;
        if (events.p[i]) counts[right ? 'onMovingRight' : 'onMovingLeft']++;
        else counts[right ? 'offMovingRight' : 'offMovingLeft']++;
      }
      return counts;
    };
    const darkLeft = polarities(record(edge(0, 255)));
    expect(darkLeft.offMovingRight).toBeGreaterThan(100);
    expect(darkLeft.onMovingLeft).toBeGreaterThan(100);
    expect(darkLeft.onMovingRight).toBe(0);
    expect(darkLeft.offMovingLeft).toBe(0);
    // The mirror image swaps the polarities.
    const brightLeft = polarities(record(edge(255, 0)));
    expect(brightLeft.onMovingRight).toBeGreaterThan(100);
    expect(brightLeft.offMovingLeft).toBeGreaterThan(100);
    expect(brightLeft.offMovingRight).toBe(0);
    expect(brightLeft.onMovingLeft).toBe(0);
  });

  it('fires, away from the top and bottom, only in the columns the edge and the right boundary sweep over', () => {
    const events = record(edge(0, 255));
    // Sensor column x sees image column u = x − 3 − dx, u in [x − 6, x]: it sees a boundary between
    // columns c and c + 1 when c < u < c + 1 for some dx, i.e. for x from c + 1 to c + 6: the edge
    // (13 | 14) at sensor columns 14..19, the right boundary (27 | black) at 28..33.
    const columns = new Set<number>();
    for (let i = 0; i < events.count; i++) if (events.y[i]! >= 10 && events.y[i]! <= 23) columns.add(events.x[i]!);
    expect([...columns].sort((a, b) => a - b)).toEqual([14, 15, 16, 17, 18, 19, 28, 29, 30, 31, 32, 33]);
  });

  it('counts grow with contrast, and a contrast below threshold gives none', () => {
    const counts = [24, 64, 128, 255].map((bright) => countInEdgeBand(record(edge(0, bright))));
    for (let i = 1; i < counts.length; i++) expect(counts[i]!).toBeGreaterThan(counts[i - 1]!);
    expect(counts[0]!).toBeGreaterThan(0);
    // ln((104/255 + 0.15) / (100/255 + 0.15)) ≈ 0.028, a tenth of the threshold.
    expect(countInEdgeBand(record(edge(100, 104)))).toBe(0);
    expect(countInEdgeBand(record(edge(100, 160)))).toBeGreaterThan(0);
  });

  it('stamps the first event of each pixel where its log intensity first moved by the threshold', () => {
    // Without mismatch every threshold is 0.3; the reference scans the path in 10 µs steps.
    const params = emulationParams({ thresholdSigma: 0 });
    const scene = edge(0, 255);
    const events = record(scene, { thresholdSigma: 0 });
    const first = new Map<number, number>();
    for (let i = 0; i < events.count; i++) if (inEdgeBand(events, i) && !first.has(events.y[i]! * 34 + events.x[i]!)) first.set(events.y[i]! * 34 + events.x[i]!, events.t[i]!);
    expect(first.size).toBeGreaterThan(50);
    const log = (pixel: number, t: number) => {
      const [dx, dy] = saccadeOffset(t, params);
      return Math.log(seen(scene, 3, pixel % 34, Math.floor(pixel / 34), dx, dy) / 255 + params.epsilon);
    };
    for (const [pixel, t] of first) {
      const start = log(pixel, 0);
      let expected = 0;
      while (Math.abs(log(pixel, expected) - start) < params.threshold) expected += 10;
      expect(Math.abs(t - expected), `pixel ${pixel % 34},${Math.floor(pixel / 34)}: ${t} us, reference ${expected} us`).toBeLessThan(20); // the reference grid is 10 µs
    }
  });

  it('respects the refractory time: a pixel never fires twice within it, and a longer one fires less', () => {
    const scene = edge(0, 255);
    const byRefractory = [0, 1_000, 5_000].map((refractoryUs) => {
      const events = record(scene, { refractoryUs });
      const last = new Map<number, number>();
      let shortest = Infinity;
      for (let i = 0; i < events.count; i++) {
        const pixel = events.y[i]! * 64 + events.x[i]!;
        const before = last.get(pixel);
        if (before !== undefined) shortest = Math.min(shortest, events.t[i]! - before);
        last.set(pixel, events.t[i]!);
      }
      if (refractoryUs > 0) expect(shortest).toBeGreaterThanOrEqual(refractoryUs);
      return events.count;
    });
    expect(byRefractory[0]!).toBeGreaterThan(byRefractory[1]!);
    expect(byRefractory[1]!).toBeGreaterThan(byRefractory[2]!);
  });

  it('is deterministic per seed; the seed picks the sensor (its threshold mismatch)', () => {
    const scene = edge(30, 200);
    expect(record(scene, { seed: 5 })).toEqual(record(scene, { seed: 5 }));
    expect(record(scene, { seed: 5 })).not.toEqual(record(scene, { seed: 6 }));
    // Without mismatch every sensor is the same one.
    expect(record(scene, { seed: 5, thresholdSigma: 0 })).toEqual(record(scene, { seed: 6, thresholdSigma: 0 }));
  });

  it('writes time-ordered events on the 34x34 sensor within the recording, which N-MNIST files carry unchanged', () => {
    const events = record(edge(0, 255));
    for (let i = 1; i < events.count; i++) expect(events.t[i]!).toBeGreaterThanOrEqual(events.t[i - 1]!);
    expect(events.t[events.count - 1]!).toBeLessThanOrEqual(300_000);
    expect(parseNmnist(encodeNmnist(events), 'emulated.bin')).toEqual(events);
  });
});

describe('emulateEvents on MNIST digits', () => {
  it('gives N-MNIST-like recordings: thousands of events, half of them ON, over 300 ms in three saccades', async () => {
    const { test } = await loadMnist({ limitTrain: 0, limitTest: 100 });
    const sensor = makeSensor(SIZE, SIZE, emulationParams());
    const counts: number[] = [];
    let on = 0;
    const perSaccade = [0, 0, 0];
    for (let i = 0; i < test.count; i++) {
      const events = emulateEvents(test.pixels.subarray(i * 784, (i + 1) * 784), sensor);
      counts.push(events.count);
      for (let j = 0; j < events.count; j++) {
        on += events.p[j]!;
        perSaccade[Math.min(2, Math.floor(events.t[j]! / 100_000))]!++;
      }
    }
    const total = counts.reduce((a, b) => a + b, 0);
    const mean = total / counts.length;
    expect(mean).toBeGreaterThan(3_500);
    expect(mean).toBeLessThan(6_000);
    expect(on / total).toBeGreaterThan(0.45);
    expect(on / total).toBeLessThan(0.55);
    for (const n of perSaccade) expect(n / total).toBeGreaterThan(0.25);
  });
});

describe('emulation parameters', () => {
  it('defaults to a 3-pixel border, 100 ms saccades and a 0.3 threshold', () => {
    expect(emulationParams()).toEqual(DEFAULT_EMULATION);
    expect(emulationParams({ threshold: 0.5 }).threshold).toBe(0.5);
  });

  it.each([
    [{ threshold: 0 }, 'emulateEvents: threshold is 0; allowed: a number from 0.05 to 5'],
    [{ refractoryUs: 1.5 }, 'emulateEvents: refractoryUs is 1.5; allowed: an integer from 0 to 1000000'],
    [{ border: -1 }, 'emulateEvents: border is -1; allowed: an integer from 0 to 64'],
    [{ seed: 'x' }, 'emulateEvents: seed is "x"; allowed: an integer from 0 to 4294967295'],
    [{ thresholdSigma: 0.5 }, 'emulateEvents: thresholdSigma is 0.5; allowed: a number from 0 to 0.3'],
    [{ treshold: 0.2 }, 'emulateEvents: unknown parameter(s) treshold; allowed: border, saccadeUs, stepPx, threshold, thresholdSigma, refractoryUs, epsilon, seed'],
  ])('refuses %j', (overrides, message) => {
    expect(engineError(() => emulationParams(overrides)).message).toBe(message);
  });

  it('refuses a sensor past 256 pixels a side and an image of the wrong size', () => {
    expect(engineError(() => makeSensor(200, 28, emulationParams({ border: 30 }))).message).toBe(
      'emulateEvents: a 200x28 image with border 30 needs a 260x88 sensor; allowed: at most 256 pixels a side (N-MNIST stores a coordinate in one byte)',
    );
    expect(engineError(() => emulateEvents(new Uint8Array(10), makeSensor(SIZE, SIZE, emulationParams()))).message).toBe(
      'emulateEvents: the image has 10 bytes; allowed: 28x28 = 784 grey bytes (the sensor\'s image size)',
    );
  });
});
