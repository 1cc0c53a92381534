/**
 * `stbp doctor` on a real store (a slice of MNIST and a run trained by the real training process)
 * damaged as a disk would: bytes overwritten inside a chunk, a wrecked page of dataset_chunks, a
 * checkpoint's bytes, an empty file. The report names what is damaged and what can be saved; the
 * salvage copies what is intact into a new store.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeReport, describeSalvage, doctorCommand } from '../../../main/cli/doctor-command';
import { examineStore, salvageStore } from '../../../main/services/doctor';
import { readImageSplit } from '../../../main/store/dataset-samples';
import { openStore, STORE_FILE_NAME } from '../../../main/store/db';
import { SCHEMA_VERSION } from '../../../main/store/migrations';
import { listMetrics } from '../../../main/store/metrics';
import { listProbes } from '../../../main/store/probes';
import { listCheckpoints } from '../../../main/store/checkpoints';
import { claimQueue, listQueue, queueSettings, setQueueSettings } from '../../../main/store/queue';
import { getRun } from '../../../main/store/runs';
import { createStudy, listStudies, listStudyCells } from '../../../main/store/studies';
import { expectEngineError } from '../../helpers/errors';
import { scribbleOver, wreckTable } from '../../helpers/corrupt-store';
import { imageBytes, trainedStore, type TrainedStore } from '../../helpers/trained-store';
import { useFileTemps } from './temp';

const { tempDir, keep } = useFileTemps();

let base: TrainedStore;
let counts: { batch: number; epoch: number; probes: number; checkpoints: number };
beforeAll(async () => {
  base = await trainedStore(tempDir('stbp-doctor-'));
  const store = keep(openStore({ file: base.file, readonly: true }));
  counts = {
    batch: listMetrics(store, base.runId, 'batch').length,
    epoch: listMetrics(store, base.runId, 'epoch').length,
    probes: listProbes(store, base.runId).length,
    checkpoints: listCheckpoints(store, base.runId).length,
  };
  store.close();
});

function damagedCopy(damage: (file: string) => void): string {
  const file = join(tempDir('stbp-doctor-case-'), STORE_FILE_NAME);
  copyFileSync(base.file, file);
  damage(file);
  return file;
}

describe('examineStore', () => {
  it('finds a healthy store healthy, with everything it holds', () => {
    const report = examineStore(base.file);
    expect(report).toMatchObject({ healthy: true, schemaVersion: SCHEMA_VERSION, integrity: [], foreignKeys: [], damaged: [] });
    expect(report.datasets).toEqual([{ id: base.datasetId, name: 'slice', source: expect.any(String), chunks: 4, intactChunks: 4 }]);
    expect(report.runs).toEqual([{ id: base.runId, name: expect.any(String), status: 'completed', datasetId: base.datasetId, metrics: counts.batch + counts.epoch, probes: counts.probes, checkpoints: counts.checkpoints }]);
    expect(counts.checkpoints).toBeGreaterThan(0);
    expect(describeReport(report)).toContain(`(schema version ${SCHEMA_VERSION}): healthy`);
  });

  it('garbage inside a chunk: that chunk, by dataset, split and samples; SQLite itself sees nothing', () => {
    const file = damagedCopy((f) => scribbleOver(f, imageBytes(base, 1500)));
    const report = examineStore(file);
    expect(report.healthy).toBe(false);
    expect(report.integrity).toEqual([]);
    expect(report.damaged).toEqual([{ where: 'dataset "slice" train chunk 1 (samples 1000 to 1999)', problem: expect.stringMatching(/^its bytes fail their checksum \(stored 0x[0-9a-f]{8}, found 0x[0-9a-f]{8}\): they changed after the import$/) }]);
    expect(report.datasets[0]).toMatchObject({ chunks: 4, intactChunks: 3 });
    expect(report.runs[0]).toMatchObject({ metrics: counts.batch + counts.epoch, checkpoints: counts.checkpoints });
    const text = describeReport(report);
    expect(text).toContain('DAMAGED');
    expect(text).toContain('dataset 1 "slice": 3 of 4 chunks intact: re-import it from');
    expect(text).toContain('stbp doctor --salvage <new file>');
  });

  it("a wrecked page of dataset_chunks: SQLite's check names the table; the runs read whole", () => {
    const file = damagedCopy((f) => wreckTable(f, 'dataset_chunks'));
    const report = examineStore(file);
    expect(report.healthy).toBe(false);
    expect(report.integrity.some((m) => m.startsWith('dataset_chunks: '))).toBe(true);
    expect(report.damaged).toContainEqual({ where: 'table dataset_chunks', problem: 'rows from the first on cannot be read (database disk image is malformed)' });
    expect(report.damaged).toContainEqual({ where: 'dataset "slice" train chunk 2 (samples 2000 to 2499)', problem: 'is lost (its row cannot be read)' });
    expect(report.datasets[0]).toMatchObject({ chunks: 4, intactChunks: 0 });
    expect(report.runs[0]).toMatchObject({ metrics: counts.batch + counts.epoch, probes: counts.probes, checkpoints: counts.checkpoints });
  });

  it('checkpoints whose bytes are damaged: each named by run, id, epoch and batch', () => {
    const file = damagedCopy((f) => scribbleOver(f, Buffer.from('STBPCKP1'), 4));
    const report = examineStore(file);
    const bad = report.damaged.filter((f) => f.where.startsWith(`run ${base.runId}'s checkpoint `));
    expect(bad).toHaveLength(counts.checkpoints);
    expect(bad[0]!.where).toMatch(/^run \d+'s checkpoint \d+ \(epoch \d+, batch \d+\)$/);
    expect(bad[0]!.problem).toContain('does not decode (checkpoint is unreadable: it does not start with STBPCKP1)');
    expect(report.runs[0]!.checkpoints).toBe(0);
  });

  it('a dataset whose writer died before it was whole: named, never copied', () => {
    const file = damagedCopy(() => undefined);
    const dead = spawnSync(process.execPath, ['-e', '']).pid; // a process that has ended
    const store = keep(openStore({ file }));
    store.db.prepare("INSERT INTO datasets (name, kind, source, meta, created_at, importing_pid) VALUES ('half', 'image', 'test', '{}', 'now', ?)").run(dead);
    store.close();
    const report = examineStore(file);
    expect(report.damaged).toEqual([{ where: 'dataset "half" (id 2)', problem: `was being stored by process ${dead}, which ended first: it is not whole, no reader sees it, and the next dataset write removes it` }]);
    expect(report.datasets.map((d) => d.name)).toEqual(['slice']);
    expect(salvageStore(file, join(tempDir('stbp-salvage-'), STORE_FILE_NAME)).copied.datasets).toBe(1);
  });

  it('an empty file: cannot be read, says why, and changes nothing', () => {
    const file = join(tempDir('stbp-doctor-empty-'), STORE_FILE_NAME);
    writeFileSync(file, '');
    const report = examineStore(file);
    expect(report).toMatchObject({ healthy: false, unreadable: expect.stringContaining('is an empty file (0 bytes)') });
    expect(describeReport(report)).toContain('cannot be read as a store');
  });
});

describe('salvageStore', () => {
  it('copies the intact rows into a new store: the damaged chunk stays missing, by name; the run keeps everything', async () => {
    const file = damagedCopy((f) => scribbleOver(f, imageBytes(base, 1500)));
    const target = join(tempDir('stbp-salvage-'), STORE_FILE_NAME);
    const result = salvageStore(file, target);
    expect(result.copied).toMatchObject({ datasets: 1, dataset_splits: 2, dataset_chunks: 3, runs: 1, metrics: counts.batch + counts.epoch, probes: counts.probes, checkpoints: counts.checkpoints });
    expect(result.leftOut).toEqual({});
    expect(result.damaged.map((f) => f.where)).toEqual(['dataset "slice" train chunk 1 (samples 1000 to 1999)']);
    expect(describeSalvage(file, result)).toContain(`salvaged ${file} into ${target}: copied datasets 1, dataset_splits 2, dataset_chunks 3, runs 1`);

    const saved = keep(openStore({ file: target }));
    expect(listMetrics(saved, base.runId, 'batch')).toHaveLength(counts.batch);
    expect(listCheckpoints(saved, base.runId)).toHaveLength(counts.checkpoints);
    expect(readImageSplit(saved, base.datasetId, 'train', { limit: 1000 }).count).toBe(1000);
    await expectEngineError(() => readImageSplit(saved, base.datasetId, 'train'), 'store-damaged', 'no chunk holds samples 1000 to 1999');
    saved.close();
    expect(examineStore(target).damaged).toEqual([{ where: 'dataset "slice" train chunk 1 (samples 1000 to 1999)', problem: 'is lost (its row cannot be read)' }]);
  });

  it('keeps studies, their cells and the run queue; the queue has no runner in the new store', () => {
    const file = damagedCopy(() => undefined);
    const store = keep(openStore({ file }));
    const studyId = createStudy(store, {
      name: 'lr sweep', definition: { name: 'lr sweep', vary: { lr: [0.001, 0.01] } },
      cells: [
        { values: { lr: 0.001 }, seed: 3, runId: base.runId },
        { values: { lr: 0.01 }, seed: 3, run: { datasetId: base.datasetId, spec: getRun(store, base.runId)!.spec as object, hyper: { epochs: 1, steps: 2, lr: 0.01 }, seed: 3, backendRequested: 'wasm' } },
      ],
    });
    setQueueSettings(store, { parallel: 2, paused: true });
    expect(claimQueue(store, 4242, () => true)).toBe(true);
    const before = { studies: listStudies(store), cells: listStudyCells(store, studyId), queue: listQueue(store), settings: queueSettings(store) };
    store.close();
    expect(examineStore(file).studies).toEqual([{ id: studyId, name: 'lr sweep' }]);

    const target = join(tempDir('stbp-salvage-'), STORE_FILE_NAME);
    const result = salvageStore(file, target);
    expect(result.copied).toMatchObject({ runs: 2, studies: 1, study_cells: 2, run_queue: 1, queue_settings: 1 });
    const saved = keep(openStore({ file: target }));
    expect(listStudies(saved)).toEqual(before.studies);
    expect(listStudyCells(saved, studyId)).toEqual(before.cells);
    expect(listQueue(saved)).toEqual(before.queue);
    expect(queueSettings(saved)).toEqual({ ...before.settings, runnerPid: null });
    expect(before.settings.runnerPid).toBe(4242);
    saved.close();
  });

  it('refuses a target that exists', async () => {
    await expectEngineError(() => salvageStore(base.file, base.file), 'bad-option', 'exists; allowed: a path where no file is');
  });
});

describe('stbp doctor', () => {
  it('exits 0 on a healthy store and 1 on a damaged one, printing the report', () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (text: string) => lines.push(text);
    try {
      expect(doctorCommand([base.file], {})).toBe(0);
      expect(doctorCommand([damagedCopy((f) => wreckTable(f, 'dataset_chunks'))], {})).toBe(1);
    } finally {
      console.log = log;
    }
    expect(lines[0]).toContain('healthy');
    expect(lines[1]).toContain('DAMAGED');
  });
});
