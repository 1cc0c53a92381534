import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { DatasetSummary, EncodingPreview, ImportDatasetRequest, SamplePage, Split } from '../../../main/contract';
import { errorMessage, useHost } from '../host';
import { latestOnly, loadFlags, onReconnect } from './shared';

export const SAMPLE_PAGE_SIZE = 40;

/** Stored datasets, the sample browser of the selected one, and a sample's spike encoding. */
export const useDatasetsStore = defineStore('datasets', () => {
  const host = useHost();

  const list = ref<DatasetSummary[]>([]);
  const { loading, loaded, error, track } = loadFlags();
  const busy = ref<string | null>(null);

  async function load(): Promise<void> {
    await track(async () => {
      list.value = await host.listDatasets();
      if (selectedId.value !== null && !list.value.some((d) => d.id === selectedId.value)) select(null);
    });
  }

  /** Imports bundled MNIST (or finds it) and selects it. */
  async function ensureMnist(): Promise<DatasetSummary> {
    busy.value = 'Preparing bundled MNIST…';
    try {
      const dataset = await host.ensureMnist();
      upsert(dataset);
      return dataset;
    } finally {
      busy.value = null;
    }
  }

  async function importDataset(request: ImportDatasetRequest): Promise<DatasetSummary> {
    busy.value = `Importing ${request.name}…`;
    try {
      const dataset = await host.importDataset(request);
      upsert(dataset);
      return dataset;
    } finally {
      busy.value = null;
    }
  }

  async function remove(datasetId: number): Promise<void> {
    await host.deleteDataset(datasetId);
    list.value = list.value.filter((d) => d.id !== datasetId);
    if (selectedId.value === datasetId) select(null);
  }

  function upsert(dataset: DatasetSummary): void {
    const at = list.value.findIndex((d) => d.id === dataset.id);
    if (at === -1) list.value = [...list.value, dataset];
    else list.value = list.value.map((d) => (d.id === dataset.id ? dataset : d));
  }

  // ---- samples of the selected dataset ----------------------------------------------------------
  const selectedId = ref<number | null>(null);
  const selected = computed(() => list.value.find((d) => d.id === selectedId.value) ?? null);
  const split = ref<Split>('train');
  const offset = ref(0);
  const page = shallowRef<SamplePage | null>(null);
  const samplesLoading = ref(false);
  const samplesError = ref<string | null>(null);
  const samplesRequest = latestOnly();

  const total = computed(() => page.value?.total ?? (selected.value ? (split.value === 'train' ? selected.value.trainCount : selected.value.testCount) : 0));

  function select(datasetId: number | null): void {
    if (datasetId === selectedId.value) return;
    selectedId.value = datasetId;
    offset.value = 0;
    page.value = null;
    encoding.value = null;
    encodingIndex.value = null;
    if (datasetId !== null) void loadSamples();
  }

  async function loadSamples(): Promise<void> {
    const datasetId = selectedId.value;
    if (datasetId === null) return;
    const current = samplesRequest();
    samplesLoading.value = true;
    try {
      const answer = await host.getSamples({ datasetId, split: split.value, offset: offset.value, count: SAMPLE_PAGE_SIZE });
      if (!current()) return;
      page.value = answer;
      samplesError.value = null;
    } catch (cause) {
      if (current()) samplesError.value = errorMessage(cause);
    } finally {
      if (current()) samplesLoading.value = false;
    }
  }

  function setSplit(next: Split): void {
    if (next === split.value) return;
    split.value = next;
    offset.value = 0;
    encoding.value = null;
    encodingIndex.value = null;
    void loadSamples();
  }

  function goToOffset(next: number): void {
    const last = Math.max(0, total.value - 1);
    const clamped = Math.max(0, Math.min(last - (last % SAMPLE_PAGE_SIZE), next - (next % SAMPLE_PAGE_SIZE)));
    if (clamped === offset.value && page.value) return;
    offset.value = clamped;
    void loadSamples();
  }

  // ---- a sample's spike encoding ----------------------------------------------------------------
  const encoding = shallowRef<EncodingPreview | null>(null);
  const encodingIndex = ref<number | null>(null);
  const encodingSteps = ref(30);
  const encodingSeed = ref(1);
  const encodingLoading = ref(false);
  const encodingError = ref<string | null>(null);
  const encodingRequest = latestOnly();

  async function loadEncoding(index: number = encodingIndex.value ?? 0): Promise<void> {
    const datasetId = selectedId.value;
    if (datasetId === null) return;
    encodingIndex.value = index;
    const current = encodingRequest();
    encodingLoading.value = true;
    try {
      const answer = await host.getEncoding({ datasetId, split: split.value, index, steps: encodingSteps.value, seed: encodingSeed.value });
      if (!current()) return;
      encoding.value = answer;
      encodingError.value = null;
    } catch (cause) {
      if (!current()) return;
      encodingError.value = errorMessage(cause);
      encoding.value = null; // a raster of other settings would pass for this one
    } finally {
      if (current()) encodingLoading.value = false;
    }
  }

  /** Settings the preview cannot take (a T of 0): nothing is asked, and the old raster goes. */
  function dropEncoding(): void {
    encodingRequest();
    encoding.value = null;
    encodingError.value = null;
    encodingLoading.value = false;
  }

  host.onEvent((event) => {
    if (event.type === 'datasets-changed') void load();
  });
  onReconnect(host, () => void load());

  return {
    list, loading, loaded, error, busy, load, ensureMnist, importDataset, remove,
    selectedId, selected, split, offset, page, total, samplesLoading, samplesError, select, loadSamples, setSplit, goToOffset,
    encoding, encodingIndex, encodingSteps, encodingSeed, encodingLoading, encodingError, loadEncoding, dropEncoding,
  };
});
