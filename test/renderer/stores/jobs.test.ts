import { beforeEach, describe, expect, it } from 'vitest';
import { useJobsStore } from '../../../renderer/src/stores/jobs';
import { useRunsStore } from '../../../renderer/src/stores/runs';
import { createTestHost, storesWith, type TestHost } from '../helpers/test-host';

describe('jobs store', () => {
  let host: TestHost;
  beforeEach(() => {
    host = createTestHost();
    storesWith(host);
  });

  it('asks once whether a job can run here', async () => {
    const jobs = useJobsStore();
    expect(await jobs.loadPython()).toMatchObject({ found: true, torch: '1.13.0' });
    await jobs.loadPython();
    expect(host.calls.filter((c) => c.method === 'pythonInfo')).toHaveLength(1);
  });

  it('puts a started, imported or followed job run into the runs list at once', async () => {
    const jobs = useJobsStore();
    const runs = useRunsStore();
    const started = await jobs.start({ folder: '/jobs/a', nproc: 2 });
    const imported = await jobs.importResults({ folder: '/jobs/b' });
    const followed = await jobs.follow({ folder: '/jobs/c' });
    expect(runs.list.map((r) => r.id)).toEqual(expect.arrayContaining([started.id, imported.id, followed.id]));
    expect(host.calls.filter((c) => ['startPytorchJob', 'importJobResults', 'followJob'].includes(c.method))).toEqual([
      { method: 'startPytorchJob', args: [{ folder: '/jobs/a', nproc: 2 }] },
      { method: 'importJobResults', args: [{ folder: '/jobs/b' }] },
      { method: 'followJob', args: [{ folder: '/jobs/c' }] },
    ]);
  });
});
