/**
 * What the network receives for one sample, as pictures: the spike count of every input over the
 * T steps (for Bernoulli coding, count / T estimates the pixel's intensity, so the digit reappears
 * from its spikes alone), and one frame per step (the spikes of that step). Events (units =
 * 2 × H × W, OFF plane first) show ON in green and OFF in red, as the thumbnails do.
 */
import type { EncodingPreview } from '../../../main/contract';

export interface RgbaImage {
  width: number;
  height: number;
  /** width × height × 4 bytes. */
  rgba: Uint8ClampedArray;
}

export type SampleKind = 'image' | 'events';

/** How the preview's units lie on the sample's pixels: image channels, or the two event polarities. */
function layout(p: EncodingPreview, kind: SampleKind): { pixels: number; planes: number; events: boolean } | null {
  const pixels = p.sample.width * p.sample.height;
  if (pixels <= 0 || p.units % pixels !== 0) return null;
  const planes = p.units / pixels;
  if (kind === 'events' && planes !== 2) return null;
  return { pixels, planes, events: kind === 'events' };
}

function largest(c: Uint32Array): number {
  let m = 1;
  for (let i = 0; i < c.length; i++) if (c[i]! > m) m = c[i]!;
  return m;
}

/** Per pixel and plane, how many of the steps' spikes land there. */
function counts(p: EncodingPreview, pixels: number, planes: number, step?: number): Uint32Array {
  const out = new Uint32Array(pixels * planes);
  for (let k = 0; k + 1 < p.spikes.length; k += 2) {
    if (step !== undefined && p.spikes[k] !== step) continue;
    out[p.spikes[k + 1]!] += 1;
  }
  return out;
}

function paint(c: Uint32Array, l: { pixels: number; planes: number; events: boolean }, p: EncodingPreview, scale: number): RgbaImage {
  const rgba = new Uint8ClampedArray(l.pixels * 4);
  for (let i = 0; i < l.pixels; i++) {
    if (l.events) {
      rgba[4 * i] = Math.round((255 * c[i]!) / scale); // OFF (plane 0): red
      rgba[4 * i + 1] = Math.round((255 * c[l.pixels + i]!) / scale); // ON (plane 1): green
    } else {
      let sum = 0;
      for (let ch = 0; ch < l.planes; ch++) sum += c[ch * l.pixels + i]!;
      const v = Math.round((255 * sum) / (scale * l.planes));
      rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = v;
    }
    rgba[4 * i + 3] = 255;
  }
  return { width: p.sample.width, height: p.sample.height, rgba };
}

/** Spikes per pixel over the T steps, T spikes full white (channels averaged; events by polarity). */
export function spikeCountImage(p: EncodingPreview, kind: SampleKind): RgbaImage | null {
  const l = layout(p, kind);
  if (!l || p.steps < 1) return null;
  const c = counts(p, l.pixels, l.planes);
  // Events fire unevenly; scale them to the busiest pixel so a sparse recording still shows.
  const scale = l.events ? largest(c) : p.steps;
  return paint(c, l, p, scale);
}

/** The spikes of each of the first `max` steps, one image each (a spike full white). */
export function stepFrames(p: EncodingPreview, kind: SampleKind, max = 30): RgbaImage[] {
  const l = layout(p, kind);
  if (!l) return [];
  return Array.from({ length: Math.min(p.steps, max) }, (_, t) => {
    const c = counts(p, l.pixels, l.planes, t);
    return paint(c, l, p, l.events ? largest(c) : 1);
  });
}
