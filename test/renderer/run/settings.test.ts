import { describe, expect, it } from 'vitest';
import {
  canPause, canResume, canStop, describeLayers, differingSettings, etaSeconds, GRAD_CHOICES, gradChoice, methodLabel, progressFraction, settingsFor,
  SETTING_ROWS, TABLE_I, withGradChoice,
} from '../../../renderer/src/run/settings';
import { run } from '../helpers/test-host';

describe('run settings', () => {
  it("Table I by default, the preset's train values over it (event binning included), unknown keys ignored", () => {
    expect(TABLE_I).toMatchObject({ steps: 30, batchSize: 100, optimizer: 'adam', lr: 1e-3, initGain: 3 });
    expect(settingsFor(null)).toEqual(TABLE_I);
    const s = settingsFor({ train: { epochs: 1, initGain: 1, limit: 100, binning: { mode: 'count' } } as never });
    expect(s).toEqual({ ...TABLE_I, epochs: 1, initGain: 1, limit: 100, binning: { mode: 'count' } });
    expect(settingsFor({ train: { binning: { mode: 'spread' }, threads: 2 } as never })).toEqual(TABLE_I);
  });

  it('ETA from the remaining batches at the current speed, and overall progress', () => {
    const p = { epoch: 2, batch: 100, batches: 600, epochs: 3, samplesPerSecond: 1000 };
    // (1 · 600 + 500) batches · 100 samples / 1000 per s
    expect(etaSeconds(p, 100)).toBeCloseTo(110);
    expect(etaSeconds({ ...p, samplesPerSecond: 0 }, 100)).toBeNull();
    expect(progressFraction(p)).toBeCloseTo(700 / 1800);
    expect(progressFraction(null)).toBe(0);
  });

  it('enables pause/resume/stop by status', () => {
    expect([canPause('running'), canResume('running'), canStop('running')]).toEqual([true, false, true]);
    expect([canPause('paused'), canResume('paused'), canStop('paused')]).toEqual([false, true, true]);
    expect([canPause('completed'), canResume('completed'), canStop('completed')]).toEqual([false, false, false]);
    expect(canResume('failed') && canResume('interrupted') && canResume('stopped')).toBe(true);
  });

  it('describes a network and finds differing settings', () => {
    expect(describeLayers(run(1))).toBe('784-800-10');
    const a = run(1);
    const b = run(2, { seed: 7, settings: { ...a.settings, grad: 'sdbp' } });
    expect([...differingSettings([a, b])].sort()).toEqual(['grad', 'seed']);
    expect(differingSettings([a]).size).toBe(0);
  });

  it('offers the non-spiking twin as a fourth gradient choice: network twin at gain 1, and back to the spiking gain', () => {
    expect(GRAD_CHOICES.map((g) => g.value)).toEqual(['stbp', 'sdbp', 'detach-reset', 'twin']);
    expect(GRAD_CHOICES[3]!.label).toBe('Non-spiking twin (ReLU, backprop)');
    const spiking = { ...TABLE_I, initGain: 4 };
    const twin = withGradChoice(spiking, 'twin', 4);
    expect(twin).toEqual({ ...spiking, network: 'twin', initGain: 1 });
    expect([gradChoice(spiking), gradChoice(twin)]).toEqual(['stbp', 'twin']);
    expect(methodLabel(twin)).toBe('Non-spiking twin (ReLU, backprop)');
    expect(withGradChoice(twin, 'sdbp', 4)).toEqual({ ...spiking, grad: 'sdbp' }); // no network field: spiking
    expect(withGradChoice({ ...spiking, initGain: 2 }, 'sdbp', 4).initGain).toBe(2); // a gain the user set stays
  });

  it('shows the network kind in the compare table, and T and gradient as the twin has them', () => {
    const a = run(1);
    const b = run(2, { settings: { ...a.settings, network: 'twin' } });
    const row = (key: string, r: typeof a) => SETTING_ROWS.find((x) => x.key === key)!.get(r);
    expect([row('network', a), row('network', b)]).toEqual(['LIF (spiking)', 'ReLU (non-spiking twin)']);
    expect([row('steps', b), row('grad', b)]).toEqual(['1 (one pass)', 'Backprop']);
    expect([...differingSettings([a, b])].sort()).toEqual(['grad', 'network', 'steps']);
  });
});
