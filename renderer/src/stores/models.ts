import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type {
  EvaluateModelRequest, ExportModelRequest, ImportModelRequest, ModelEvaluation, ModelFile, ModelSummary, RunWeights, SaveModelRequest,
} from '../../../main/contract';
import { errorMessage, useHost } from '../host';
import { latestOnly, loadFlags, onReconnect } from './shared';

/**
 * Stored models (trained networks frozen from a run, or imported from a bundle or NIR file), newest
 * first, and the last evaluation of the selected one. Weights never come here: export answers a
 * file's bytes for the caller to save, and "Try it" hands them to its worker.
 */
export const useModelsStore = defineStore('models', () => {
  const host = useHost();

  const list = ref<ModelSummary[]>([]);
  const { loading, loaded, error, track } = loadFlags();
  const byId = computed(() => new Map(list.value.map((m) => [m.id, m])));
  const get = (modelId: number): ModelSummary | undefined => byId.value.get(modelId);

  async function load(): Promise<void> {
    await track(async () => {
      list.value = sortModels(await host.listModels());
    });
  }

  function upsert(model: ModelSummary): ModelSummary {
    const at = list.value.findIndex((m) => m.id === model.id);
    list.value = at === -1 ? sortModels([...list.value, model]) : list.value.map((m) => (m.id === model.id ? model : m));
    return model;
  }

  const save = async (request: SaveModelRequest): Promise<ModelSummary> => upsert(await host.saveModel(request));
  const rename = async (modelId: number, name: string): Promise<ModelSummary> => upsert(await host.renameModel(modelId, name));
  const importModel = async (request: ImportModelRequest): Promise<ModelSummary> => upsert(await host.importModel(request));
  const exportModel = (request: ExportModelRequest): Promise<ModelFile> => host.exportModel(request);
  const runWeights = (runId: number): Promise<RunWeights[]> => host.listRunWeights(runId);

  async function remove(modelId: number): Promise<void> {
    await host.deleteModel(modelId);
    list.value = list.value.filter((m) => m.id !== modelId);
    if (evaluation.value?.modelId === modelId) clearEvaluation();
  }

  // ---- evaluation of one model on a dataset -----------------------------------------------------
  const evaluation = shallowRef<ModelEvaluation | null>(null);
  const evaluating = ref(false);
  const evaluationError = ref<string | null>(null);
  const evaluationRequest = latestOnly();

  /** Runs an evaluation; a newer request (or clearEvaluation) makes an older answer be dropped. */
  async function evaluate(request: EvaluateModelRequest): Promise<void> {
    const current = evaluationRequest();
    evaluating.value = true;
    evaluationError.value = null;
    try {
      const answer = await host.evaluateModel(request);
      if (current()) evaluation.value = answer;
    } catch (cause) {
      if (current()) evaluationError.value = errorMessage(cause);
    } finally {
      if (current()) evaluating.value = false;
    }
  }

  function clearEvaluation(): void {
    evaluationRequest();
    evaluation.value = null;
    evaluating.value = false;
    evaluationError.value = null;
  }

  host.onEvent((event) => {
    if (event.type === 'models-changed') void load();
  });
  onReconnect(host, () => void load());

  return {
    list, loading, loaded, error, byId, get, load, upsert, save, rename, remove, importModel, exportModel, runWeights,
    evaluation, evaluating, evaluationError, evaluate, clearEvaluation,
  };
});

function sortModels(models: ModelSummary[]): ModelSummary[] {
  return models.slice().sort((a, b) => b.id - a.id);
}
