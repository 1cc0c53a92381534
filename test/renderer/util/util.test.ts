import { describe, expect, it, vi } from 'vitest';
import { count, duration, percent, shape, decimal } from '../../../renderer/src/util/format';
import { parseRoute, routeHash, type Route } from '../../../renderer/src/util/route';
import { createThrottle } from '../../../renderer/src/util/throttle';

describe('routes', () => {
  it('parse what they print', () => {
    const routes: Route[] = [
      { section: 'designer' },
      { section: 'datasets', datasetId: null },
      { section: 'datasets', datasetId: 3 },
      { section: 'runs', view: 'list' },
      { section: 'runs', view: 'new' },
      { section: 'runs', view: 'monitor', runId: 12 },
      { section: 'compare', runIds: [] },
      { section: 'compare', runIds: [1, 4] },
      { section: 'models', modelId: null, view: 'details' },
      { section: 'models', modelId: 5, view: 'details' },
      { section: 'models', modelId: 5, view: 'try' },
    ];
    for (const route of routes) expect(parseRoute(routeHash(route))).toEqual(route);
  });

  it('fall back to the designer for anything unknown', () => {
    expect(parseRoute('')).toEqual({ section: 'designer' });
    expect(parseRoute('#token=abc')).toEqual({ section: 'designer' });
    expect(parseRoute('#/runs/abc')).toEqual({ section: 'runs', view: 'list' });
    expect(parseRoute('#/compare?runs=1,x,3')).toEqual({ section: 'compare', runIds: [1, 3] });
    expect(parseRoute('#/models/x/try')).toEqual({ section: 'models', modelId: null, view: 'details' });
    expect(parseRoute('#/models/4/other')).toEqual({ section: 'models', modelId: 4, view: 'details' });
  });
});

describe('formats', () => {
  it('print numbers for a monospace column', () => {
    expect(percent(0.98765)).toBe('98.77%');
    expect(percent(null)).toBe('—');
    expect(count(60000)).toBe('60,000');
    expect(shape([1, 28, 28])).toBe('1 × 28 × 28');
    expect(duration(42)).toBe('42 s');
    expect(duration(185)).toBe('3 min 05 s');
    expect(duration(7620)).toBe('2 h 07 min');
    expect(duration(Number.NaN)).toBe('—');
    expect(decimal(0.000012, 4)).toBe('1.2e-5');
  });
});

describe('throttle', () => {
  it('runs once for many schedules, and not more often than the interval', () => {
    vi.useFakeTimers();
    try {
      const run = vi.fn();
      const t = createThrottle(run, 250);
      for (let i = 0; i < 100; i++) t.schedule();
      vi.advanceTimersByTime(1);
      expect(run).toHaveBeenCalledTimes(1);
      t.schedule();
      vi.advanceTimersByTime(100);
      expect(run).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(200);
      expect(run).toHaveBeenCalledTimes(2);
      t.schedule();
      t.flush();
      expect(run).toHaveBeenCalledTimes(3);
      t.schedule();
      t.cancel();
      vi.advanceTimersByTime(1000);
      expect(run).toHaveBeenCalledTimes(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
