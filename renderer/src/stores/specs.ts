import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ModelSpec } from '../../../engine/spec/types';
import type { PresetInfo, SavedSpec } from '../../../main/contract';
import { errorMessage, useHost } from '../host';
import { loadFlags, onReconnect } from './shared';

/** Saved specs (by name) and the paper's presets. */
export const useSpecsStore = defineStore('specs', () => {
  const host = useHost();

  const presets = ref<PresetInfo[]>([]);
  const saved = ref<SavedSpec[]>([]);
  const { loading, loaded, error, track } = loadFlags();

  async function load(): Promise<void> {
    await track(async () => {
      const [p, s] = await Promise.all([host.listPresets(), host.listSpecs()]);
      presets.value = p;
      saved.value = sortByName(s);
    });
  }

  async function loadSaved(): Promise<void> {
    try {
      saved.value = sortByName(await host.listSpecs());
    } catch (cause) {
      error.value = errorMessage(cause);
    }
  }

  async function save(name: string, spec: ModelSpec): Promise<SavedSpec> {
    const stored = await host.saveSpec(name, { ...spec, name });
    saved.value = sortByName([...saved.value.filter((s) => s.name !== stored.name), stored]);
    return stored;
  }

  async function remove(name: string): Promise<void> {
    await host.deleteSpec(name);
    saved.value = saved.value.filter((s) => s.name !== name);
  }

  const preset = (name: string): PresetInfo | undefined => presets.value.find((p) => p.name === name);
  const savedSpec = (name: string): SavedSpec | undefined => saved.value.find((s) => s.name === name);

  host.onEvent((event) => {
    if (event.type === 'specs-changed') void loadSaved();
  });
  onReconnect(host, () => void load());

  return { presets, saved, loading, loaded, error, load, loadSaved, save, remove, preset, savedSpec };
});

function sortByName(specs: SavedSpec[]): SavedSpec[] {
  return specs.slice().sort((a, b) => a.name.localeCompare(b.name));
}
