import { beforeEach, describe, expect, it } from 'vitest';
import type { QueueState, StudyCell, StudyFile, StudySummary } from '../../../main/contract';
import { parseStudyText, studiesByRun, studyText, useStudiesStore } from '../../../renderer/src/stores/studies';
import { parseRoute, routeHash, type Route } from '../../../renderer/src/util/route';
import { createTestHost, settle, storesWith, type TestHost } from '../helpers/test-host';

const FILE: StudyFile = { name: 'widths', base: { preset: 'mlp-400', epochs: 1 }, axes: { grad: ['stbp', 'sdbp'] } };

const cell = (index: number, runId: number, patch: Partial<StudyCell> = {}): StudyCell => ({
  index, values: { grad: index % 2 ? 'sdbp' : 'stbp' }, seed: 1, label: `cell ${index}`, runId, status: 'created', queued: true, testAccuracy: [], error: null, ...patch,
});

function study(id: number, cells: StudyCell[], patch: Partial<StudySummary> = {}): StudySummary {
  return {
    id, name: `study ${id}`, createdAt: '2026-12-01T10:00:00Z', updatedAt: '2026-12-01T10:00:00Z', file: FILE, axes: ['grad'], lastEpochs: 1, cells, groups: [],
    counts: { total: cells.length, completed: 0, running: 0, queued: cells.length, failed: 0 }, ...patch,
  };
}

const QUEUE: QueueState = { parallel: 1, defaultParallel: 1, paused: false, runner: 'here', runnerPid: 1, entries: [] };

/** The test host with the study and queue methods over plain arrays. */
function withStudies(host: TestHost) {
  const state = { studies: [study(1, [cell(0, 11), cell(1, 12)]), study(2, [cell(0, 21)])], queue: { ...QUEUE } };
  const methods: Record<string, (...args: never[]) => unknown> = {
    listStudies: () => state.studies.slice(),
    getStudy: (id: number) => state.studies.find((s) => s.id === id) ?? Promise.reject(new Error('gone')),
    getQueue: () => state.queue,
    listStudyRecipes: () => [],
    createStudy: ({ file }: { file: StudyFile }) => {
      const s = study(3, [cell(0, 31)], { name: file.name });
      state.studies.push(s);
      return s;
    },
    setQueue: (patch: Partial<QueueState>) => (state.queue = { ...state.queue, ...patch }),
    deleteStudy: (id: number) => void (state.studies = state.studies.filter((s) => s.id !== id)),
  };
  for (const [name, impl] of Object.entries(methods)) {
    (host as unknown as Record<string, unknown>)[name] = async (...args: never[]) => {
      host.calls.push({ method: name, args });
      return impl(...args);
    };
  }
  return state;
}

describe('studies store', () => {
  let host: TestHost;
  let state: ReturnType<typeof withStudies>;
  beforeEach(async () => {
    host = createTestHost();
    state = withStudies(host);
    storesWith(host);
    await useStudiesStore().load();
  });

  it('loads the studies and the queue, creates, and deletes', async () => {
    const studies = useStudiesStore();
    expect(studies.list.map((s) => s.id)).toEqual([1, 2]);
    expect(studies.queue).toEqual(QUEUE);
    const created = await studies.create(FILE, 40);
    expect(host.calls.at(-1)).toEqual({ method: 'createStudy', args: [{ file: FILE, maxRuns: 40 }] });
    expect(created.name).toBe('widths');
    expect(studies.list.map((s) => s.id)).toEqual([1, 2, 3]);
    await studies.remove(1, false);
    expect(studies.list.map((s) => s.id)).toEqual([2, 3]);
    await studies.setQueue({ paused: true });
    expect(studies.queue?.paused).toBe(true);
  });

  it('refetches the study whose run changed (once per burst), and follows queue events', async () => {
    const studies = useStudiesStore();
    state.studies[0] = study(1, [cell(0, 11, { status: 'completed', testAccuracy: [0.9] }), cell(1, 12)]);
    for (let i = 0; i < 5; i++) host.emit({ type: 'run-epoch', runId: 11, point: { step: i, epoch: 1, trainLoss: 0.1, trainAccuracy: 0.9, testAccuracy: 0.9, firingRates: [], seconds: 1, samplesPerSecond: 1 } });
    host.emit({ type: 'run-changed', run: { id: 999 } as never }); // not a study's run
    studies.flush();
    await settle();
    expect(host.calls.filter((c) => c.method === 'getStudy').map((c) => c.args[0])).toEqual([1]);
    expect(studies.get(1)?.cells[0]?.status).toBe('completed');
    host.emit({ type: 'queue-changed', queue: { ...QUEUE, parallel: 3 } });
    expect(studies.queue?.parallel).toBe(3);
    state.studies.pop();
    host.emit({ type: 'studies-changed', studyId: null });
    await settle();
    expect(studies.list.map((s) => s.id)).toEqual([1]);
  });
});

describe('study files in the app', () => {
  it('parse what they print, and say why text is not a study', () => {
    expect(parseStudyText(studyText(FILE))).toEqual({ file: FILE, error: null });
    expect(studyText({ ...FILE, paper: { results: [{ where: { grad: 'stbp' }, mean: 0.98, interval: [0.97, 0.99], source: 's, [t]' }] } })).toBe(
      '{\n  "name": "widths",\n  "base": {\n    "preset": "mlp-400",\n    "epochs": 1\n  },\n  "axes": {\n    "grad": ["stbp", "sdbp"]\n  },\n' +
        '  "paper": {\n    "results": [\n      {\n        "where": {\n          "grad": "stbp"\n        },\n        "mean": 0.98,\n        "interval": [0.97, 0.99],\n' +
        '        "source": "s, [t]"\n      }\n    ]\n  }\n}\n',
    );
    expect(parseStudyText('{"name": ').error).toMatch(/^not valid JSON: /);
    expect(parseStudyText('[1]').error).toBe('a study file is a JSON object: {"name", "base", "axes", …}');
  });

  it('map each run to its study', () => {
    expect([...studiesByRun([study(1, [cell(0, 11), cell(1, 12, { runId: null })]), study(2, [cell(0, 21)])])]).toEqual([[11, 1], [21, 2]]);
  });

  it('have routes that parse what they print', () => {
    const routes: Route[] = [{ section: 'studies', view: 'list' }, { section: 'studies', view: 'new' }, { section: 'studies', view: 'study', studyId: 4 }];
    for (const route of routes) expect(parseRoute(routeHash(route))).toEqual(route);
    expect(parseRoute('#/studies/x')).toEqual({ section: 'studies', view: 'list' });
  });
});
