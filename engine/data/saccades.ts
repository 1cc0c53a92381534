/**
 * The three saccades of an N-MNIST-style recording (Orchard et al. 2015): where the image is on the
 * sensor over time, and the samples of that path the emulator looks at (emulate-events.ts).
 *
 * The path is an isosceles triangle with its apex up, one side per saccade: from the lower left
 * (−b, +b) to the apex (0, −b), to the lower right (+b, +b), and back to the start, b = border;
 * offsets from the centred position in pixels, y down. The sides from the apex are √5·b long, the
 * base 2b. Along each side the position follows a raised cosine, s(u) = (1 − cos πu)/2 for u from
 * 0 to 1 over `saccadeUs`, so the motion starts and ends at rest, as a pan-tilt unit's does.
 */

/** What the path depends on. */
export interface SaccadePath {
  /** Pixels of motion room on each side: the sensor is (h + 2·border) × (w + 2·border). */
  border: number;
  /** Duration of one saccade, µs; a recording is three (N-MNIST: about 100 ms each). */
  saccadeUs: number;
  /** Distance the image moves between two samples of the scene, pixels. */
  stepPx: number;
}

/** The corners of the triangle, in order: the image's offsets from its centred position, y down. */
function corners(border: number): [number, number][] {
  return [[-border, border], [0, -border], [border, border], [-border, border]];
}

/** Where the image is at time t, µs: its offset (dx, dy) from the centred position, in pixels. */
export function saccadeOffset(t: number, params: Pick<SaccadePath, 'border' | 'saccadeUs'>): [number, number] {
  const c = corners(params.border);
  const side = Math.min(2, Math.max(0, Math.floor(t / params.saccadeUs)));
  const u = Math.min(1, Math.max(0, t / params.saccadeUs - side));
  const s = (1 - Math.cos(Math.PI * u)) / 2;
  const [x0, y0] = c[side]!;
  const [x1, y1] = c[side + 1]!;
  return [x0 + s * (x1 - x0), y0 + s * (y1 - y0)];
}

/** The samples of the scene: times (µs) and offsets, `stepPx` apart along the path, from 0 to the end. */
export interface SaccadeSchedule {
  t: Float64Array;
  dx: Float64Array;
  dy: Float64Array;
}

/**
 * Samples every `stepPx` of the path: side k's j-th of m samples is at s = j/m of the side, at the
 * time the raised cosine gets there, t = saccadeUs · (k + acos(1 − 2s)/π).
 */
export function saccadeSchedule(params: SaccadePath): SaccadeSchedule {
  const c = corners(params.border);
  const t = [0];
  const dx = [c[0]![0]];
  const dy = [c[0]![1]];
  for (let side = 0; side < 3; side++) {
    const [x0, y0] = c[side]!;
    const [x1, y1] = c[side + 1]!;
    const m = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / params.stepPx));
    for (let j = 1; j <= m; j++) {
      const s = j / m;
      t.push(params.saccadeUs * (side + Math.acos(1 - 2 * s) / Math.PI));
      dx.push(x0 + s * (x1 - x0));
      dy.push(y0 + s * (y1 - y0));
    }
  }
  return { t: Float64Array.from(t), dx: Float64Array.from(dx), dy: Float64Array.from(dy) };
}

/** Microseconds a recording lasts: three saccades. */
export function recordingUs(params: Pick<SaccadePath, 'saccadeUs'>): number {
  return 3 * params.saccadeUs;
}
