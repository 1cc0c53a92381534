import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AppInfo } from '../../../main/contract';
import { useHost } from '../host';

export const useAppStore = defineStore('app', () => {
  const host = useHost();
  const info = ref<AppInfo | null>(null);
  const error = ref<string | null>(null);

  async function loadInfo(): Promise<void> {
    try {
      info.value = await host.getInfo();
      error.value = null;
    } catch (cause) {
      error.value = cause instanceof Error ? cause.message : String(cause);
    }
  }

  return { info, error, loadInfo };
});
