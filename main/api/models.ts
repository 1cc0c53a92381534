/**
 * Models as the contract shows them (main/contract.ts "models"): summaries of stored models, a
 * run's stored weights, exported files as base64, evaluations.
 */
import { inferModel } from '../../engine/spec/infer';
import type { ExportModelRequest, ModelFile, ModelSummary, RunWeights } from '../contract';
import { listRunWeights, modelFileBytes, modelFileName, runModel, storedModel } from '../services/models';
import type { Store } from '../store/db';
import type { ModelRow } from '../store/models';
import { getRun } from '../store/runs';

export function modelSummary(store: Store, row: ModelRow): ModelSummary {
  return {
    ...row.description,
    id: row.id,
    params: inferModel(row.description.spec).params,
    runName: row.runId === null ? null : (getRun(store, row.runId)?.name ?? null),
  };
}

export function runWeights(store: Store, runId: number): RunWeights[] {
  return listRunWeights(store, runId).map((w) => ({
    epoch: w.weightsEpoch, batch: w.batch, reason: w.reason, testAccuracy: w.testAccuracy, best: w.best, latest: w.latest, createdAt: w.createdAt,
  }));
}

export async function exportedFile(store: Store, { source, format, dt }: ExportModelRequest): Promise<ModelFile> {
  const model = source.kind === 'model' ? storedModel(store, source.modelId) : runModel(store, source.runId, source.epoch);
  const bytes = await modelFileBytes(model, format, dt);
  return { fileName: modelFileName(model, format), format, bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
}

