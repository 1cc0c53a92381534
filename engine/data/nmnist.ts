/**
 * N-MNIST (Orchard et al. 2015): MNIST digits recorded by an ATIS event camera making three
 * saccades, ~300 ms per sample on a 34×34 sensor. Pure: bytes in, events out.
 *
 * File format (as distributed, one `.bin` file per sample): a flat list of 40-bit events,
 * 5 bytes each, no header:
 *
 *     byte 0: x (0..33)
 *     byte 1: y (0..33)
 *     byte 2: bit 7 = polarity (1 = ON, brighter; 0 = OFF), bits 6..0 = timestamp bits 22..16
 *     byte 3: timestamp bits 15..8
 *     byte 4: timestamp bits 7..0          (23-bit timestamp, microseconds)
 *
 * Readers ported from Orchard's `eventvision.py` (tonic's `read_mnist_file`) treat y = 240 as a
 * timestamp-overflow marker, a leftover of larger ATIS recordings (N-Caltech101); no N-MNIST
 * sample needs one (2²³ µs ≈ 8.4 s), so here y = 240 is out of range like any other y ≥ 34.
 */
import { EngineError } from '../errors';

/** Sensor width and height of N-MNIST, in pixels. */
export const NMNIST_SIZE = 34;
export const NMNIST_EVENT_BYTES = 5;
export const NMNIST_MAX_TIMESTAMP_US = 2 ** 23 - 1;

/** Events as columns: event i is at (x[i], y[i]), polarity p[i] (1 = ON), time t[i] in µs. */
export interface EventStream {
  count: number;
  x: Uint8Array;
  y: Uint8Array;
  p: Uint8Array;
  t: Uint32Array;
}

export interface SensorSize {
  width?: number;
  height?: number;
}

function dataError(name: string, problem: string): EngineError {
  return new EngineError('bad-data', `${name}: ${problem}`);
}

function checkSensor(where: string, width: number, height: number): void {
  for (const [label, v] of [['width', width], ['height', height]] as const) {
    if (!(Number.isInteger(v) && v >= 1 && v <= 256)) {
      throw new EngineError('bad-option', `${where}: sensor ${label} is ${v}; allowed: an integer from 1 to 256 (a byte coordinate)`);
    }
  }
}

/** `count` must be an integer the four columns all cover. */
function checkColumns(where: string, events: EventStream): void {
  const { count } = events;
  const shortest = Math.min(events.x.length, events.y.length, events.p.length, events.t.length);
  if (!(Number.isInteger(count) && count >= 0 && count <= shortest)) {
    throw new EngineError('bad-data', `${where}: count is ${count}; allowed: an integer from 0 to ${shortest} (the shortest of x, y, p, t)`);
  }
}

/**
 * Checks that event i lies on the sensor and does not go back in time; `name` names the
 * source. The one rule `parseNmnist` and `binEvents` share.
 */
function checkEvent(events: EventStream, i: number, width: number, height: number, name: string): void {
  const x = events.x[i];
  const y = events.y[i];
  const t = events.t[i];
  if (events.p[i] > 1) throw dataError(name, `event ${i} has polarity ${events.p[i]}; allowed: 0 (OFF) or 1 (ON)`);
  if (x >= width) {
    throw dataError(name, `event ${i} has x = ${x}; allowed: 0..${width - 1} (sensor ${width}x${height})`);
  }
  if (y >= height) {
    const hint = y === 240 ? ' (y = 240 is the ATIS timestamp-overflow marker of N-Caltech101; N-MNIST files have none)' : '';
    throw dataError(name, `event ${i} has y = ${y}; allowed: 0..${height - 1} (sensor ${width}x${height})${hint}`);
  }
  if (i > 0 && t < events.t[i - 1]) {
    throw dataError(
      name,
      `event ${i} has timestamp ${t} us, before event ${i - 1}'s ${events.t[i - 1]} us: N-MNIST events are in time order`,
    );
  }
}

/**
 * Parses one N-MNIST sample file and validates every event (on the sensor, time-ordered).
 * An empty file is a valid stream of 0 events.
 */
export function parseNmnist(
  bytes: Uint8Array,
  name: string,
  { width = NMNIST_SIZE, height = NMNIST_SIZE }: SensorSize = {},
): EventStream {
  checkSensor(`parseNmnist '${name}'`, width, height);
  const count = Math.floor(bytes.length / NMNIST_EVENT_BYTES);
  const trailing = bytes.length - count * NMNIST_EVENT_BYTES;
  if (trailing !== 0) {
    throw dataError(
      name,
      `${bytes.length} bytes is not a whole number of ${NMNIST_EVENT_BYTES}-byte events: ${trailing} trailing ` +
        `byte(s) after ${count} events; the file is truncated`,
    );
  }
  const events: EventStream = {
    count,
    x: new Uint8Array(count),
    y: new Uint8Array(count),
    p: new Uint8Array(count),
    t: new Uint32Array(count),
  };
  for (let i = 0, o = 0; i < count; i++, o += NMNIST_EVENT_BYTES) {
    const b2 = bytes[o + 2];
    events.x[i] = bytes[o];
    events.y[i] = bytes[o + 1];
    events.p[i] = b2 >>> 7;
    events.t[i] = ((b2 & 0x7f) << 16) | (bytes[o + 3] << 8) | bytes[o + 4];
    checkEvent(events, i, width, height, name);
  }
  return events;
}

/**
 * Writes events in the N-MNIST file format: the exact inverse of `parseNmnist`. Checks only
 * that each event is representable (p is 0 or 1, t < 2²³); it does not impose a sensor size or
 * time order, so tests can write the malformed files the parser must reject.
 */
export function encodeNmnist(events: EventStream): Uint8Array {
  checkColumns('encodeNmnist', events);
  const { count } = events;
  const out = new Uint8Array(count * NMNIST_EVENT_BYTES);
  for (let i = 0, o = 0; i < count; i++, o += NMNIST_EVENT_BYTES) {
    const p = events.p[i];
    const t = events.t[i];
    if (p > 1) throw new EngineError('bad-data', `encodeNmnist: event ${i} has polarity ${p}; allowed: 0 (OFF) or 1 (ON)`);
    if (t > NMNIST_MAX_TIMESTAMP_US) {
      throw new EngineError('bad-data', `encodeNmnist: event ${i} has timestamp ${t} us; allowed: 0..${NMNIST_MAX_TIMESTAMP_US} (23 bits)`);
    }
    out[o] = events.x[i];
    out[o + 1] = events.y[i];
    out[o + 2] = (p << 7) | (t >>> 16);
    out[o + 3] = (t >>> 8) & 0xff;
    out[o + 4] = t & 0xff;
  }
  return out;
}

export const BIN_MODES = ['time', 'count'] as const;
export type BinMode = (typeof BIN_MODES)[number];

export interface BinOptions extends SensorSize {
  /** Number of frames T (time steps of the network), an integer from 1 to 10000. */
  steps: number;
  /** How events are split into the T frames; see `binEvents`. */
  mode: BinMode;
  /** Mode 'time' only: the width of a bin in µs (> 0); default ceil(duration / steps). */
  dtUs?: number;
}

/**
 * Integrates an event stream into T binary frames, layout [T, 2, height, width] (time-major, as
 * every tensor of the engine): channel 0 holds OFF events (p = 0), channel 1 ON events (p = 1),
 * and a pixel is 1 iff at least one event of that polarity there fell in the frame's bin.
 *
 * - mode 'time': bin k covers [t₀ + k·dt, t₀ + (k+1)·dt) µs, t₀ the first event's time. By default
 *   dt = ceil(duration / T), duration = t_last − t₀ + 1, so every event lands in some bin; with an
 *   explicit `dtUs`, events at or after t₀ + T·dt are dropped (and trailing frames may be empty).
 * - mode 'count': the events are cut into T consecutive groups of (nearly) equal size, group k
 *   being events [⌊k·n/T⌋, ⌊(k+1)·n/T⌋); with n < T some frames are empty.
 *
 * Equivalents in the Python SNN libraries, which sum event counts where we keep 0/1 (theirs
 * clipped to 1, i.e. `frames.clamp(max=1)` / `(frames > 0)`, gives ours):
 * - SpikingJelly `integrate_events_by_fixed_frames_number(events, split_by, T, H, W)`
 *   (`NMNIST(root, data_type='frame', frames_number=T, split_by=...)`), same [T, 2, H, W] layout
 *   and channel order. split_by='number' is mode 'count', except that SpikingJelly gives every
 *   group ⌊n/T⌋ events and the last one the remainder (identical when T divides n).
 *   split_by='time' uses dt = ⌊(t_last − t₀)/T⌋ and puts all events past (T−1)·dt into the last
 *   frame; ours rounds dt up instead, so bins are equal and no event is dropped.
 * - snnTorch uses tonic: `tonic.transforms.ToFrame(sensor_size, time_window=dt)` is mode 'time'
 *   with `dtUs: dt` (tonic's frame count follows the recording, ours is fixed at T);
 *   `ToFrame(sensor_size, n_time_bins=T)` is mode 'time' with tonic's window ⌊(t_last − t₀)/T⌋;
 *   `ToFrame(sensor_size, n_event_bins=T)` is mode 'count' with ⌊n/T⌋ events per bin and the
 *   remainder dropped.
 *
 * `out`, when given, must hold T·2·height·width bytes; it is cleared and returned.
 */
export function binEvents(events: EventStream, opts: BinOptions, out?: Uint8Array): Uint8Array {
  const { steps, mode, dtUs, width = NMNIST_SIZE, height = NMNIST_SIZE } = opts;
  checkSensor('binEvents', width, height);
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= 10000)) {
    throw new EngineError('bad-option', `binEvents: steps is ${steps}; allowed: an integer from 1 to 10000`);
  }
  if (!BIN_MODES.includes(mode)) {
    throw new EngineError('bad-option', `binEvents: mode is ${JSON.stringify(mode)}; allowed: ${BIN_MODES.map((m) => `'${m}'`).join(', ')}`);
  }
  if (dtUs !== undefined && mode !== 'time') {
    throw new EngineError('bad-option', `binEvents: dtUs is ${dtUs} but mode is '${mode}'; dtUs applies only to mode 'time'`);
  }
  if (dtUs !== undefined && !(Number.isFinite(dtUs) && dtUs > 0)) {
    throw new EngineError('bad-option', `binEvents: dtUs is ${dtUs}; allowed: a finite number of microseconds > 0`);
  }
  const plane = height * width;
  const size = steps * 2 * plane;
  if (out !== undefined && out.length !== size) {
    throw new EngineError('bad-option', `binEvents: out has ${out.length} bytes; allowed: exactly ${size} (steps*2*height*width = ${steps}*2*${height}*${width})`);
  }
  checkColumns('binEvents', events);
  const n = events.count;
  for (let i = 0; i < n; i++) checkEvent(events, i, width, height, 'binEvents: event stream');
  const frames = out ?? new Uint8Array(size);
  frames.fill(0);
  if (n === 0) return frames;
  const mark = (k: number, i: number): void => {
    frames[k * 2 * plane + events.p[i] * plane + events.y[i] * width + events.x[i]] = 1;
  };
  if (mode === 'time') {
    const t0 = events.t[0];
    const dt = dtUs ?? Math.ceil((events.t[n - 1] - t0 + 1) / steps);
    for (let i = 0; i < n; i++) {
      const k = Math.floor((events.t[i] - t0) / dt);
      if (k >= steps) break; // time-ordered: every later event is past the last bin too
      mark(k, i);
    }
  } else {
    for (let k = 0; k < steps; k++) {
      const end = Math.floor(((k + 1) * n) / steps);
      for (let i = Math.floor((k * n) / steps); i < end; i++) mark(k, i);
    }
  }
  return frames;
}
