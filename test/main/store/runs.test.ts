import { describe, expect, it } from 'vitest';
import type { Store } from '../../../main/store/db';
import { saveCheckpoint } from '../../../main/store/checkpoints';
import { createRun, deleteRun, duplicateRun, getRun, INTERRUPTED_ERROR, listRuns, recoverInterruptedRuns, renameRun, requireRun, RUN_NAME_MAX, RUN_STATUSES, RUN_TRANSITIONS, setRunNotes, setRunStatus, type RunStatus } from '../../../main/store/runs';
import { recordBatchMetrics, recordEpochMetrics } from '../../../main/store/metrics';
import { recordExport, saveProbe } from '../../../main/store/probes';
import { countRows, HYPER, newRun, SPEC, storeWithDataset as withDataset, useTempStores } from './temp-store';
import { engineError as thrown } from '../../helpers/errors';

const temp = useTempStores();
const storeWithDataset = (): Store => withDataset(temp.open());
describe('runs', () => {
  it('are created with status created and a default name run-<id>', () => {
    const store = storeWithDataset();
    const id = newRun(store);
    expect(getRun(store, id)).toMatchObject({
      id,
      name: `run-${id}`,
      status: 'created',
      datasetId: 1,
      spec: SPEC,
      hyper: HYPER,
      seed: 42,
      backendRequested: 'auto',
      backendUsed: null,
      error: null,
      notes: '',
      startedAt: null,
      endedAt: null,
      parentRunId: null,
    });
    expect(getRun(store, newRun(store, 'tau sweep 1'))!.name).toBe('tau sweep 1');
  });

  it('need an existing dataset', () => {
    const store = storeWithDataset();
    const error = thrown(() => createRun(store, { datasetId: 9, spec: SPEC, hyper: HYPER, seed: 1, backendRequested: 'auto' }));
    expect(error.message).toBe('unknown dataset 9 (known: "tiny" (id 1))');
  });

  it('go through a lifecycle: timestamps and backend recorded on the way', () => {
    const store = storeWithDataset();
    const id = newRun(store);
    const running = setRunStatus(store, id, 'running', { backendUsed: 'wasm-events' });
    expect(running).toMatchObject({ status: 'running', backendUsed: 'wasm-events', endedAt: null });
    expect(running.startedAt).not.toBeNull();
    expect(setRunStatus(store, id, 'paused').endedAt).toBeNull();
    const resumed = setRunStatus(store, id, 'running');
    expect(resumed.startedAt).toBe(running.startedAt); // the first start stays
    expect(resumed.backendUsed).toBe('wasm-events');
    const done = setRunStatus(store, id, 'completed');
    expect(done.endedAt! >= done.startedAt!).toBe(true);
  });

  it('refuse a transition the lifecycle does not allow, naming both statuses', () => {
    const store = storeWithDataset();
    const id = newRun(store, 'final');
    setRunStatus(store, id, 'running');
    setRunStatus(store, id, 'completed');
    const error = thrown(() => setRunStatus(store, id, 'running'));
    expect(error.code).toBe('bad-transition');
    expect(error.message).toBe(
      `setRunStatus: run ${id} ("final") cannot go from 'completed' to 'running'; allowed from 'completed': nothing, it is final (duplicate the run to train again)`,
    );
    expect(thrown(() => setRunStatus(store, newRun(store), 'paused')).message).toContain("allowed from 'created': running, stopped, failed");
    expect(thrown(() => setRunStatus(store, id, 'done' as RunStatus)).message).toBe(
      'setRunStatus: status is "done"; allowed: created, running, paused, stopped, completed, failed, interrupted',
    );
  });

  it('have a transition table that covers every status and only known ones', () => {
    expect(Object.keys(RUN_TRANSITIONS).sort()).toEqual([...RUN_STATUSES].sort());
    for (const targets of Object.values(RUN_TRANSITIONS)) for (const t of targets) expect(RUN_STATUSES).toContain(t);
  });

  it('record a failure, and clear it when resumed', () => {
    const store = storeWithDataset();
    const id = newRun(store);
    setRunStatus(store, id, 'running');
    const failed = setRunStatus(store, id, 'failed', { error: 'out of memory' });
    expect(failed).toMatchObject({ status: 'failed', error: 'out of memory' });
    expect(failed.endedAt).not.toBeNull();
    expect(setRunStatus(store, id, 'running')).toMatchObject({ error: null, endedAt: null });
  });

  it('are listed in creation order, by status when asked', () => {
    const store = storeWithDataset();
    const [a, b, c] = [newRun(store), newRun(store), newRun(store)];
    setRunStatus(store, b, 'running');
    expect(listRuns(store).map((r) => r.id)).toEqual([a, b, c]);
    expect(listRuns(store, { status: 'running' }).map((r) => r.id)).toEqual([b]);
    expect(listRuns(store, { status: ['created', 'running'] }).map((r) => r.id)).toEqual([a, b, c]);
    expect(listRuns(store, { status: [] })).toEqual([]);
  });

  it('name a few known ids when one is unknown', () => {
    const store = storeWithDataset();
    for (let i = 0; i < 7; i++) newRun(store);
    const error = thrown(() => requireRun(store, 99));
    expect(error.code).toBe('unknown-run');
    expect(error.message).toBe('unknown run 99 (known: 3, 4, 5, 6, 7 and older)');
  });

  it('are renamed, the name trimmed; an empty or overlong name is refused and the old one kept', () => {
    const store = storeWithDataset();
    const id = newRun(store, 'before');
    expect(renameRun(store, id, '  after ').name).toBe('after');
    expect(thrown(() => renameRun(store, id, '  ')).message).toBe('renameRun: name is "  "; allowed: a non-empty string');
    expect(thrown(() => renameRun(store, id, 'x'.repeat(RUN_NAME_MAX + 1))).message).toContain(`a name of 1 to ${RUN_NAME_MAX} characters`);
    expect(thrown(() => renameRun(store, 99, 'x')).code).toBe('unknown-run');
    expect(getRun(store, id)!.name).toBe('after');
  });

  it('duplicate with the same spec, hyper-parameters, dataset and seed, linked to the parent', () => {
    const store = storeWithDataset();
    const parent = newRun(store, 'original');
    setRunStatus(store, parent, 'running', { backendUsed: 'tfjs-cpu' });
    setRunStatus(store, parent, 'completed');
    setRunNotes(store, parent, 'best so far');
    const copy = duplicateRun(store, parent, { name: 'again' });
    expect(getRun(store, copy)).toMatchObject({
      name: 'again',
      status: 'created',
      datasetId: 1,
      spec: SPEC,
      hyper: HYPER,
      seed: 42,
      backendRequested: 'auto',
      backendUsed: null,
      notes: '',
      startedAt: null,
      parentRunId: parent,
    });
    expect(getRun(store, duplicateRun(store, parent))!.name).toMatch(/^run-\d+$/);
    deleteRun(store, parent);
    expect(getRun(store, copy)!.parentRunId).toBeNull();
  });

  it('are not deleted while running; deleting one removes all it produced', () => {
    const store = storeWithDataset();
    const id = newRun(store);
    const other = newRun(store);
    setRunStatus(store, id, 'running');
    for (const runId of [id, other]) {
      recordBatchMetrics(store, runId, [{ epoch: 0, batch: 0, step: 1, values: { loss: 1 } }]);
      recordEpochMetrics(store, runId, { epoch: 0, step: 1, values: { testAccuracy: 0.5 } });
      saveCheckpoint(store, runId, { epoch: 1, batch: 0, reason: 'epoch', state: new Uint8Array(16) });
      saveProbe(store, runId, { epoch: 0, kind: 'rates', data: new Uint8Array(8), meta: { layers: 2 } });
      recordExport(store, runId, { format: 'bundle', path: '/tmp/model.json' });
    }
    const error = thrown(() => deleteRun(store, id));
    expect(error.code).toBe('run-running');
    expect(error.message).toContain(`run ${id}`);

    setRunStatus(store, id, 'stopped');
    deleteRun(store, id);
    expect(getRun(store, id)).toBeUndefined();
    for (const table of ['metrics', 'checkpoints', 'probes', 'exports']) {
      const left = store.db.prepare(`SELECT DISTINCT run_id FROM ${table}`).all();
      expect(left, table).toEqual([{ run_id: other }]);
    }
    expect(countRows(store, 'metrics')).toBe(2);
  });

  it('owned by a live process are left running at start-up; a dead owner\'s become interrupted', () => {
    const store = storeWithDataset();
    const [live, dead] = [newRun(store), newRun(store)];
    setRunStatus(store, live, 'running', { ownerPid: 4242 });
    setRunStatus(store, dead, 'running', { ownerPid: 4343 });
    expect(recoverInterruptedRuns(store, (pid) => pid === 4242)).toBe(1);
    expect(getRun(store, live)!.status).toBe('running');
    expect(getRun(store, dead)!.status).toBe('interrupted');
  });

  it('found running at start-up become interrupted and resumable', () => {
    const store = storeWithDataset();
    const [a, b, paused, fresh] = [newRun(store), newRun(store), newRun(store), newRun(store)];
    for (const id of [a, b, paused]) setRunStatus(store, id, 'running');
    setRunStatus(store, paused, 'paused');
    expect(recoverInterruptedRuns(store)).toBe(2);
    for (const id of [a, b]) {
      const run = getRun(store, id)!;
      expect(run).toMatchObject({ status: 'interrupted', error: INTERRUPTED_ERROR });
      expect(run.endedAt).not.toBeNull();
    }
    expect(getRun(store, paused)!.status).toBe('paused');
    expect(getRun(store, fresh)!.status).toBe('created');
    expect(recoverInterruptedRuns(store)).toBe(0);
    expect(setRunStatus(store, a, 'running').status).toBe('running');
  });
});

describe('bad inputs', () => {
  it.each<[string, (store: Store) => unknown, string]>([
    ['a fractional seed', (s) => createRun(s, { datasetId: 1, spec: SPEC, hyper: HYPER, seed: 0.5, backendRequested: 'auto' }), 'createRun: seed is 0.5; allowed: an integer'],
    ['a spec that is not an object', (s) => createRun(s, { datasetId: 1, spec: 'mlp' as unknown as object, hyper: HYPER, seed: 1, backendRequested: 'auto' }), 'createRun: spec is "mlp"; allowed: a JSON object or array'],
    ['an empty backend', (s) => createRun(s, { datasetId: 1, spec: SPEC, hyper: HYPER, seed: 1, backendRequested: '' }), 'createRun: backendRequested is ""; allowed: a non-empty string'],
    ['a negative epoch', (s) => recordEpochMetrics(s, newRun(s), { epoch: -1, step: 0, values: {} }), 'recordEpochMetrics: rows[0].epoch is -1; allowed: an integer >= 0'],
    ['state that is not bytes', (s) => saveCheckpoint(s, newRun(s), { epoch: 0, batch: 0, reason: 'stop', state: [1, 2] as unknown as Uint8Array }), 'saveCheckpoint: state is an array of 2; allowed: a Uint8Array'],
    ['a probe layer of -1', (s) => saveProbe(s, newRun(s), { epoch: 0, kind: 'rates', layer: -1, data: new Uint8Array(0), meta: {} }), 'saveProbe: layer is -1; allowed: an integer >= 0'],
  ])('%s', (_, call, message) => {
    const store = storeWithDataset();
    const error = thrown(() => call(store));
    expect(error.code).toBe('bad-option');
    expect(error.message).toBe(message);
  });
});
