/**
 * The launcher's "≈ 14 min on this machine": a run's duration from the rates its network was just
 * measured at here (main/runs/estimate.ts), scaled to its epochs, training samples and test passes.
 */
import { samplesPerEpoch } from '../../engine/train/progress';
import type { RunEstimate, RunSettings } from '../contract';
import type { EstimateMeasure } from '../runs/messages';

export function runEstimate(m: EstimateMeasure, splits: { train: number; test: number }, s: RunSettings, concurrentRuns: number): RunEstimate {
  const train = samplesPerEpoch(splits.train, s.limit);
  const test = samplesPerEpoch(splits.test, s.testLimit);
  const trainSeconds = m.trainSamplesPerSecond > 0 ? (s.epochs * train) / m.trainSamplesPerSecond : 0;
  const testSeconds = m.testSamplesPerSecond > 0 ? (s.epochs * test) / m.testSamplesPerSecond : 0;
  return {
    seconds: trainSeconds + testSeconds, trainSeconds, testSeconds,
    trainSamplesPerSecond: m.trainSamplesPerSecond, testSamplesPerSecond: m.testSamplesPerSecond,
    batchesTimed: m.batchesTimed, backend: m.backend, concurrentRuns,
  };
}
