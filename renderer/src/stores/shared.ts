import { ref, type Ref } from 'vue';
import { errorMessage, type Host } from '../host';

export interface LoadFlags {
  loading: Ref<boolean>;
  /** True once a load has succeeded. */
  loaded: Ref<boolean>;
  /** The last load's failure, until one succeeds. */
  error: Ref<string | null>;
  /** Runs `fetch` (which stores what it got) under the flags; a failure goes to `error`, never thrown. */
  track(fetch: () => Promise<void>): Promise<void>;
}

/** The loading / loaded / error flags of a store's list (datasets, runs, specs) and how a load sets them. */
export function loadFlags(): LoadFlags {
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  async function track(fetch: () => Promise<void>): Promise<void> {
    loading.value = true;
    try {
      await fetch();
      error.value = null;
      loaded.value = true;
    } catch (cause) {
      error.value = errorMessage(cause);
    } finally {
      loading.value = false;
    }
  }
  return { loading, loaded, error, track };
}

/**
 * After the web socket comes back, events may have been missed; `reload` runs so the store shows
 * the server's state again. (The desktop host never reconnects.)
 */
export function onReconnect(host: Host, reload: () => void): () => void {
  let seen: number | null | undefined;
  return host.onStatus((status) => {
    if (seen !== undefined && status.resumedAt !== seen && status.resumedAt !== null) reload();
    seen = status.resumedAt;
  });
}

/** Keeps only the answer of the latest request of a kind (older ones arriving late are dropped). */
export function latestOnly(): () => () => boolean {
  let generation = 0;
  return () => {
    const mine = ++generation;
    return () => mine === generation;
  };
}
