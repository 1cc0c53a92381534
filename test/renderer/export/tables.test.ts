import { describe, expect, it } from 'vitest';
import { compareFigures, compareFileStem, compareTableCsv } from '../../../renderer/src/export/compare-table';
import { runsTableCsv } from '../../../renderer/src/export/runs-table';
import { SETTING_ROWS } from '../../../renderer/src/run/settings';
import { epochPoint, run } from '../helpers/test-host';

const FINISHED = run(3, {
  name: 'wide, "fast"', backendUsed: 'wasm-simd ×2 threads', startedAt: '2026-11-28T10:00:01Z', endedAt: '2026-11-28T10:05:00Z',
  final: { epochs: 2, testAccuracy: 0.95, bestTestAccuracy: 0.96, trainAccuracy: 0.9, trainLoss: 0.125, seconds: 20.5 },
});
const FRESH = run(5, { status: 'created', datasetName: null, backendUsed: null, settings: { ...run(5).settings, network: 'twin', epochs: 4 } });
FINISHED.progress = { epoch: 2, batch: 600, batches: 600, epochs: 2, samplesPerSecond: 3000, samplesSeen: 120000, samplesTotal: 120000 };
FINISHED.verdict = { kind: 'ok', message: 'learning: test accuracy 95% (chance 10%)' };
/** Stopped in epoch 1 at batch 166, its last weights evaluated at the stop. */
const STOPPED = run(7, {
  status: 'stopped', progress: { epoch: 1, batch: 166, batches: 600, epochs: 2, samplesPerSecond: 3000, samplesSeen: 16600, samplesTotal: 120000 },
  stop: { epoch: 1, batch: 166, batches: 600, testAccuracy: 0.912, evaluatedAtStop: true },
});

describe('the runs table as CSV', () => {
  it('has one row per run in the order shown, numbers as numbers, missing figures empty', () => {
    expect(runsTableCsv([FRESH, FINISHED, STOPPED])).toBe(
      'id,name,status,verdict,dataset,network,neurons,backend,epochs_done,epochs,epoch,batch,batches,samples_seen,samples_total,' +
        'best_test_accuracy,last_test_accuracy,last_test_at,last_train_accuracy,last_train_loss,training_seconds,seed,created_at,started_at,ended_at,verdict_message\r\n' +
        '5,run 5,created,,,784-800-10,twin,,0,4,,,,,,,,,,,,1,2026-11-28T10:00:00Z,,,\r\n' +
        '3,"wide, ""fast""",completed,ok,mnist,784-800-10,spiking,wasm-simd ×2 threads,2,2,2,600,600,120000,120000,0.96,0.95,epoch,0.9,0.125,20.5,1,2026-11-28T10:00:00Z,2026-11-28T10:00:01Z,2026-11-28T10:05:00Z,learning: test accuracy 95% (chance 10%)\r\n' +
        '7,run 7,stopped,,mnist,784-800-10,spiking,wasm,0,2,1,166,600,16600,120000,,0.912,stop,,,,1,2026-11-28T10:00:00Z,,,\r\n',
    );
    expect(runsTableCsv([]).split('\r\n')).toHaveLength(2);
  });
});

describe('the Compare table as CSV', () => {
  it('takes results from the loaded epochs, else from the summary', () => {
    const epochs = [epochPoint(1, { testAccuracy: 0.97, seconds: 4 }), epochPoint(2, { testAccuracy: 0.93, trainAccuracy: 0.8, trainLoss: 0.25, seconds: 6 })];
    const verdict = 'learning: test accuracy 95% (chance 10%)';
    expect(compareFigures(FINISHED, epochs)).toEqual({ id: 3, best: 0.97, final: 0.93, finalAt: 'epoch', verdict, train: 0.8, loss: 0.25, epochs: 2, seconds: 10 });
    expect(compareFigures(FINISHED, [])).toEqual({ id: 3, best: 0.96, final: 0.95, finalAt: 'epoch', verdict, train: 0.9, loss: 0.125, epochs: 0, seconds: 20.5 });
    expect(compareFigures(FRESH, [])).toEqual({ id: 5, best: null, final: null, finalAt: null, verdict: null, train: null, loss: null, epochs: 0, seconds: null });
    expect(compareFigures(STOPPED, [])).toMatchObject({ final: 0.912, finalAt: 'stop' }); // the weights it stopped with, evaluated
  });

  it('has a column per run, the settings rows shown, then the results', () => {
    const runs = [FINISHED, FRESH];
    const rows = SETTING_ROWS.filter((r) => ['epochs', 'network'].includes(r.key));
    expect(compareTableCsv(runs, runs.map((r) => compareFigures(r, [])), rows)).toBe(
      'Setting,"wide, ""fast"" #3",run 5 #5\r\n' +
        'Neurons,LIF (spiking),ReLU (non-spiking twin)\r\n' +
        'Epochs,2,4\r\n' +
        'Best test accuracy,0.96,\r\n' +
        'Final test accuracy,0.95,\r\n' +
        'Final test accuracy from,epoch,\r\n' +
        'Final train accuracy,0.9,\r\n' +
        'Final train loss,0.125,\r\n' +
        'Epochs done,0,0\r\n' +
        'Training time (s),20.5,\r\n' +
        'Verdict,learning: test accuracy 95% (chance 10%),\r\n',
    );
    const all = compareTableCsv(runs, runs.map((r) => compareFigures(r, [])), SETTING_ROWS).split('\r\n');
    expect(all).toHaveLength(1 + SETTING_ROWS.length + 8 + 1);
    expect(all).toContain('Network,784-800-10,784-800-10');
  });

  it('names its files after the runs compared', () => {
    expect(compareFileStem([{ id: 3 }, { id: 5 }])).toBe('compare-runs-3-5');
  });
});
