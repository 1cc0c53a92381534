import { beforeEach, describe, expect, it, vi } from 'vitest';
import { HostError } from '../../../renderer/src/host/types';
import { useAppStore } from '../../../renderer/src/stores/app';
import { APP_INFO, createTestHost, storesWith, type TestHost } from '../helpers/test-host';

describe('app store', () => {
  let host: TestHost;
  beforeEach(() => {
    host = createTestHost();
    storesWith(host);
  });

  it('loads the app info, or says why not', async () => {
    const app = useAppStore();
    await app.loadInfo();
    expect(app.info).toEqual(APP_INFO);
    host.failNext('getInfo', new HostError('internal', 'store locked'));
    await app.loadInfo();
    expect(app.infoError).toBe('store locked');
  });

  it('navigates between sections', () => {
    const app = useAppStore();
    expect(app.route).toEqual({ section: 'designer' });
    app.navigate({ section: 'runs', view: 'monitor', runId: 4 });
    expect(app.route).toEqual({ section: 'runs', view: 'monitor', runId: 4 });
  });

  it('follows the connection state of the host', () => {
    const app = useAppStore();
    expect(app.connected).toBe(true);
    host.setStatus({ connection: 'reconnecting', attempts: 2 });
    expect(app.connected).toBe(false);
    expect(app.status.attempts).toBe(2);
  });

  it('keeps errors until dismissed and lets other notices expire', () => {
    vi.useFakeTimers();
    try {
      const app = useAppStore();
      app.notify('success', 'saved');
      app.reportError(new HostError('not-found', 'run 3 does not exist'), 'Deleting run 3');
      expect(app.toasts.map((t) => t.kind)).toEqual(['success', 'error']);
      vi.advanceTimersByTime(10_000);
      expect(app.toasts).toHaveLength(1);
      expect(app.toasts[0]).toMatchObject({ kind: 'error', message: 'run 3 does not exist', title: 'Deleting run 3' });
      app.dismiss(app.toasts[0]!.id);
      expect(app.toasts).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});
