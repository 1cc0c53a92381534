import { describe, expect, it } from 'vitest';
import type { EncodingPreview } from '../../../main/contract';
import { spikeCountImage, stepFrames } from '../../../renderer/src/datasets/encoding-images';

const sample = (width: number, height: number) => ({ index: 0, label: 1, className: '1', width, height, rgba: '' });
const grey = (img: { rgba: Uint8ClampedArray }) => [...img.rgba].filter((_, i) => i % 4 === 0);

describe('encoding pictures', () => {
  // A 2×2 image over T = 4: pixel 0 spikes at every step, pixel 3 at steps 1 and 3, the others never.
  const preview: EncodingPreview = { sample: sample(2, 2), steps: 4, units: 4, spikes: [0, 0, 1, 0, 1, 3, 2, 0, 3, 0, 3, 3] };

  it('counts spikes per pixel over the steps, T spikes full white: the rate estimates the intensity', () => {
    const image = spikeCountImage(preview, 'image')!;
    expect([image.width, image.height]).toEqual([2, 2]);
    expect(grey(image)).toEqual([255, 0, 0, 128]);
    expect([...image.rgba].filter((_, i) => i % 4 === 3)).toEqual([255, 255, 255, 255]);
  });

  it('draws one frame per step with that step\'s spikes', () => {
    const frames = stepFrames(preview, 'image');
    expect(frames.map(grey)).toEqual([[255, 0, 0, 0], [255, 0, 0, 255], [255, 0, 0, 0], [255, 0, 0, 255]]);
    expect(stepFrames(preview, 'image', 2)).toHaveLength(2);
  });

  it('shows events by polarity: OFF (plane 0) red, ON (plane 1) green, scaled to the busiest pixel', () => {
    const events: EncodingPreview = { sample: sample(1, 1), steps: 3, units: 2, spikes: [0, 1, 1, 1, 2, 0] };
    expect([...spikeCountImage(events, 'events')!.rgba]).toEqual([128, 255, 0, 255]);
    expect(spikeCountImage({ ...events, units: 3 }, 'events')).toBeNull(); // not 2 planes: not a picture
  });
});
