/**
 * Event-camera emulation: a static grey image seen by a DVS/ATIS-like sensor that makes three
 * saccades over it, the way N-MNIST was recorded (Orchard et al. 2015, "Converting static image
 * datasets to spiking neuromorphic datasets using saccades"). Pure: pixels in, an `EventStream`
 * (nmnist.ts) out, ready for `encodeNmnist` and everything that reads N-MNIST.
 *
 * The scene. The image lies centred on a sensor `border` pixels larger on every side (28×28 MNIST
 * on 34×34, as N-MNIST), on black, and moves along three saccades (saccades.ts). The scene is
 * sampled each time the image has moved `stepPx` further (intensities change only through motion,
 * so samples are spaced in distance, not time); a sensor pixel sees the image at its centre by
 * bilinear interpolation, so sub-pixel motion changes intensities smoothly.
 *
 * The pixel (Lichtsteiner et al. 2008's DVS pixel, as in the ESIM and v2e emulators). Each pixel
 * holds a reference level r of its log intensity L = ln(I + ε), I = byte / 255, set to L when the
 * recording starts. When L − r ≥ C_on it emits an ON event (p = 1), when r − L ≥ C_off an OFF event
 * (p = 0); the reference moves to the level crossed (r ± C) and the pixel is refractory for
 * `refractoryUs`: held in reset, its reference follows L, so change during that time is not
 * signalled. One event per crossing; a pixel fires again within a step only when the refractory
 * time has ended within it. An event's time is where L, interpolated linearly between two samples,
 * crossed the level (no earlier than the end of the refractory time), rounded to the microsecond.
 *
 * What is modelled beyond an ideal sensor, and what is not:
 * - Threshold mismatch: every pixel has its own C_on and C_off, C · (1 + σ·n) with n a standard
 *   normal clipped to ±3, drawn once per sensor from `seed`. One physical sensor recorded all of
 *   N-MNIST, so the pattern is the same for every sample: the recording of an image depends only
 *   on (image, parameters), and the seed picks the sensor.
 * - Not modelled: background-activity and shot noise, latency jitter, bandwidth limits. N-MNIST's
 *   recordings carry few noise events over 300 ms, and a guessed noise rate would add a parameter
 *   with nothing to fit it to; the timestamps are already interpolated to the microsecond.
 *
 * The defaults give N-MNIST-like recordings of MNIST: 300 ms, on average 4,640 events per digit
 * of the training set and 4,613 of the test set, half of them ON (N-MNIST: about 4,000–5,000).
 */
import { EngineError } from '../errors';
import { Rng } from '../rng';
import { NMNIST_MAX_TIMESTAMP_US, type EventStream } from './nmnist';
import { saccadeSchedule, type SaccadePath } from './saccades';

/** The emulator's parameters, stored with an emulated dataset so its recordings can be redone. */
export interface EmulationParams extends SaccadePath {
  /** Contrast threshold C on the log intensity (ln units): the mean of C_on and C_off. */
  threshold: number;
  /** Per-pixel threshold mismatch σ, relative to C (0: every pixel the same). */
  thresholdSigma: number;
  /** Time a pixel is held in reset after an event, µs. */
  refractoryUs: number;
  /** ε in ln(I + ε), I in [0, 1]: the dark level; near black, changes smaller than ε barely register. */
  epsilon: number;
  /** Seed of the sensor's threshold mismatch. */
  seed: number;
}

export const DEFAULT_EMULATION: Readonly<EmulationParams> = {
  border: 3,
  saccadeUs: 100_000,
  stepPx: 0.02,
  threshold: 0.3,
  thresholdSigma: 0.03,
  refractoryUs: 1_000,
  epsilon: 0.15,
  seed: 1,
};

/** What each parameter may be, for error messages and for the app's form. */
export const EMULATION_LIMITS: Readonly<Record<keyof EmulationParams, { min: number; max: number; integer: boolean }>> = {
  border: { min: 0, max: 64, integer: true },
  saccadeUs: { min: 1_000, max: 2_000_000, integer: true },
  stepPx: { min: 0.001, max: 1, integer: false },
  threshold: { min: 0.05, max: 5, integer: false },
  thresholdSigma: { min: 0, max: 0.3, integer: false },
  refractoryUs: { min: 0, max: 1_000_000, integer: true },
  epsilon: { min: 0.05, max: 1, integer: false },
  seed: { min: 0, max: 0xffffffff, integer: true },
};

/** The largest sensor side: N-MNIST's format stores a coordinate in one byte. */
export const MAX_SENSOR_SIDE = 256;

/** The defaults with `overrides` applied, every field checked; unknown fields are refused. */
export function emulationParams(overrides: Partial<Record<string, unknown>> = {}): EmulationParams {
  const known = Object.keys(EMULATION_LIMITS);
  const unknown = Object.keys(overrides).filter((k) => !known.includes(k));
  if (unknown.length) {
    throw new EngineError('bad-option', `emulateEvents: unknown parameter(s) ${unknown.join(', ')}; allowed: ${known.join(', ')}`);
  }
  const params = { ...DEFAULT_EMULATION } as EmulationParams;
  for (const key of known as (keyof EmulationParams)[]) {
    const value = overrides[key] ?? params[key];
    const { min, max, integer } = EMULATION_LIMITS[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      throw new EngineError('bad-option', `emulateEvents: ${key} is ${JSON.stringify(value)}; allowed: ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    }
    params[key] = value;
  }
  return params;
}

/** One sensor: its size, each pixel's thresholds and the log table, built once for many images. */
export interface Sensor {
  params: EmulationParams;
  /** The image size it records. */
  imageHeight: number;
  imageWidth: number;
  /** The sensor size: image + 2·border. */
  height: number;
  width: number;
  onThreshold: Float64Array;
  offThreshold: Float64Array;
  /** ln(v/255 + ε) for v = i/LOG_TABLE_STEPS, i = 0 … 255·LOG_TABLE_STEPS. */
  logTable: Float64Array;
}

/**
 * Grey levels are looked up in steps of 1/16 (Math.log would take most of the emulation's time):
 * the table's largest error, half a step at black, is ln(1 + 1/(32·255·ε)), 0.0008 at the default
 * ε = 0.15 and 0.0025 at the smallest allowed, 0.05, against thresholds of at least 0.05.
 */
const LOG_TABLE_STEPS = 16;

export function makeSensor(imageHeight: number, imageWidth: number, params: EmulationParams): Sensor {
  for (const [label, v] of [['height', imageHeight], ['width', imageWidth]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new EngineError('bad-option', `emulateEvents: image ${label} is ${v}; allowed: an integer >= 1`);
  }
  const p = emulationParams(params as unknown as Record<string, unknown>);
  const height = imageHeight + 2 * p.border;
  const width = imageWidth + 2 * p.border;
  if (height > MAX_SENSOR_SIDE || width > MAX_SENSOR_SIDE) {
    throw new EngineError(
      'bad-option',
      `emulateEvents: a ${imageHeight}x${imageWidth} image with border ${p.border} needs a ${height}x${width} sensor; ` +
        `allowed: at most ${MAX_SENSOR_SIDE} pixels a side (N-MNIST stores a coordinate in one byte)`,
    );
  }
  const rng = new Rng(p.seed);
  const draw = () => p.threshold * (1 + p.thresholdSigma * Math.max(-3, Math.min(3, rng.normal())));
  const onThreshold = new Float64Array(height * width);
  const offThreshold = new Float64Array(height * width);
  for (let i = 0; i < onThreshold.length; i++) {
    onThreshold[i] = draw();
    offThreshold[i] = draw();
  }
  const logTable = new Float64Array(255 * LOG_TABLE_STEPS + 1);
  for (let i = 0; i < logTable.length; i++) logTable[i] = Math.log(i / LOG_TABLE_STEPS / 255 + p.epsilon);
  return { params: p, imageHeight, imageWidth, height, width, onThreshold, offThreshold, logTable };
}

/**
 * Records one image (imageHeight × imageWidth grey bytes, row-major) with `sensor`: its events in
 * time order (ties in raster order), timestamps in µs from 0 to 3·saccadeUs.
 */
export function emulateEvents(pixels: Uint8Array, sensor: Sensor): EventStream {
  const { imageHeight: h, imageWidth: w, height: H, width: W, params } = sensor;
  if (!(pixels instanceof Uint8Array) || pixels.length !== h * w) {
    throw new EngineError('bad-data', `emulateEvents: the image has ${pixels?.length} bytes; allowed: ${h}x${w} = ${h * w} grey bytes (the sensor's image size)`);
  }
  const scene = paddedScene(pixels, h, w, params.border);
  const active = activePixels(scene, H, W);
  const { logTable } = sensor;
  const n = active.length;
  const onThreshold = Float64Array.from(active, (pixel) => sensor.onThreshold[pixel]!);
  const offThreshold = Float64Array.from(active, (pixel) => sensor.offThreshold[pixel]!);
  const reference = new Float64Array(n);
  const previous = new Float64Array(n);
  const until = new Float64Array(n); // end of the refractory time, µs
  const out = new EventBuffer();
  const step = new EventBuffer();
  const refractory = params.refractoryUs;
  const { data, rowLength } = scene;
  // Where each active pixel's top-left bilinear neighbour is in the scene when the image is centred.
  const origin = Uint32Array.from(active, (pixel) => scenePosition(scene, pixel % W, (pixel / W) | 0));
  const schedule = saccadeSchedule(params);

  for (let k = 0; k < schedule.t.length; k++) {
    const t = schedule.t[k]!;
    const tPrevious = k > 0 ? schedule.t[k - 1]! : 0;
    // The shift's whole part and bilinear weights are the same for every pixel in a step.
    const kx = Math.floor(-schedule.dx[k]!);
    const ky = Math.floor(-schedule.dy[k]!);
    const fx = -schedule.dx[k]! - kx;
    const fy = -schedule.dy[k]! - ky;
    const w00 = (1 - fx) * (1 - fy) * LOG_TABLE_STEPS;
    const w01 = fx * (1 - fy) * LOG_TABLE_STEPS;
    const w10 = (1 - fx) * fy * LOG_TABLE_STEPS;
    const w11 = fx * fy * LOG_TABLE_STEPS;
    const shift = ky * rowLength + kx;
    for (let a = 0; a < n; a++) {
      const i = origin[a]! + shift;
      const L = logTable[(w00 * data[i]! + w01 * data[i + 1]! + w10 * data[i + rowLength]! + w11 * data[i + rowLength + 1]! + 0.5) | 0]!;
      if (k === 0 || t < until[a]!) {
        reference[a] = L; // adapted to the scene at the start; held in reset while refractory
        previous[a] = L;
        continue;
      }
      let ref = reference[a]!;
      if (L - ref < onThreshold[a]! && ref - L < offThreshold[a]!) {
        previous[a] = L; // the common case: no event
        continue;
      }
      const before = previous[a]!;
      const pixel = active[a]!;
      for (;;) {
        const on = L - ref >= onThreshold[a]!;
        if (!on && ref - L < offThreshold[a]!) break;
        const level = on ? ref + onThreshold[a]! : ref - offThreshold[a]!;
        const crossed = L === before ? 1 : Math.min(1, Math.max(0, (level - before) / (L - before)));
        const te = Math.max(tPrevious + crossed * (t - tPrevious), until[a]!);
        step.push(pixel % W, (pixel / W) | 0, on ? 1 : 0, Math.round(te), pixel);
        ref = level;
        until[a] = te + refractory;
        if (until[a]! > t) {
          ref = L; // in reset from here to the end of this step
          break;
        }
      }
      reference[a] = ref;
      previous[a] = L;
    }
    step.flushSortedInto(out);
  }
  return out.stream();
}

/** The image on black, with room for the motion and the bilinear neighbour: `pad` pixels each side. */
interface Scene {
  data: Float64Array;
  pad: number;
  rowLength: number;
  border: number;
}

function paddedScene(pixels: Uint8Array, h: number, w: number, border: number): Scene {
  const pad = 2 * border + 2;
  const rowLength = w + 2 * pad;
  const data = new Float64Array((h + 2 * pad) * rowLength);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[(y + pad) * rowLength + x + pad] = pixels[y * w + x]!;
  return { data, pad, rowLength, border };
}

/**
 * Sensor pixels (as y·W + x) that ever see a non-black image pixel: the others never change and
 * never fire, so they are skipped. Sensor column x sees image column x − b − dx with |dx| ≤ b, so
 * bilinearly image columns x − 2b … x + 1 (padded: + pad), and likewise rows.
 */
function activePixels(scene: Scene, H: number, W: number): Uint32Array {
  const { data, pad, rowLength, border } = scene;
  const rows = data.length / rowLength;
  const stride = rowLength + 1;
  // sum[(y·stride + x)]: non-black pixels above and left of (x, y) in the padded image.
  const sum = new Uint32Array((rows + 1) * stride);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < rowLength; x++) {
      const lit = data[y * rowLength + x]! > 0 ? 1 : 0;
      sum[(y + 1) * stride + x + 1] = lit + sum[y * stride + x + 1]! + sum[(y + 1) * stride + x]! - sum[y * stride + x]!;
    }
  }
  const side = 2 * border + 2;
  const active: number[] = [];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const y0 = y + pad - 2 * border;
      const x0 = x + pad - 2 * border;
      const lit = sum[(y0 + side) * stride + x0 + side]! - sum[y0 * stride + x0 + side]! - sum[(y0 + side) * stride + x0]! + sum[y0 * stride + x0]!;
      if (lit > 0) active.push(y * W + x);
    }
  }
  return Uint32Array.from(active);
}

/**
 * The scene index of the image pixel sensor pixel (x, y) sees when the image is centred: image
 * column x − border, row y − border, plus the padding. A shift (dx, dy) moves it to column
 * x − border − dx, whose whole part and fraction the caller adds.
 */
function scenePosition(scene: Scene, x: number, y: number): number {
  return (y - scene.border + scene.pad) * scene.rowLength + x - scene.border + scene.pad;
}

/** Growable columns of events; a step's events are sorted by time before they join the recording. */
class EventBuffer {
  count = 0;
  private x = new Uint8Array(256);
  private y = new Uint8Array(256);
  private p = new Uint8Array(256);
  private t = new Uint32Array(256);
  private key = new Uint32Array(256);

  push(x: number, y: number, p: number, t: number, key: number): void {
    if (this.count === this.t.length) this.grow();
    if (t > NMNIST_MAX_TIMESTAMP_US) throw new EngineError('internal', `emulateEvents: timestamp ${t} us is past the format's ${NMNIST_MAX_TIMESTAMP_US}`);
    const i = this.count++;
    this.x[i] = x;
    this.y[i] = y;
    this.p[i] = p;
    this.t[i] = t;
    this.key[i] = key;
  }

  /** Appends this buffer's events to `out` in time order (ties by raster position) and empties it. */
  flushSortedInto(out: EventBuffer): void {
    if (this.count === 0) return;
    const order = Array.from({ length: this.count }, (_, i) => i).sort((a, b) => this.t[a]! - this.t[b]! || this.key[a]! - this.key[b]!);
    for (const i of order) out.push(this.x[i]!, this.y[i]!, this.p[i]!, this.t[i]!, 0);
    this.count = 0;
  }

  stream(): EventStream {
    const n = this.count;
    return { count: n, x: this.x.slice(0, n), y: this.y.slice(0, n), p: this.p.slice(0, n), t: this.t.slice(0, n) };
  }

  private grow(): void {
    const size = this.t.length * 2;
    const grown = <A extends Uint8Array | Uint32Array>(a: A, make: (n: number) => A): A => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.x = grown(this.x, (n) => new Uint8Array(n));
    this.y = grown(this.y, (n) => new Uint8Array(n));
    this.p = grown(this.p, (n) => new Uint8Array(n));
    this.t = grown(this.t, (n) => new Uint32Array(n));
    this.key = grown(this.key, (n) => new Uint32Array(n));
  }
}
