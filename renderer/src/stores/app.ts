import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { AppInfo } from '../../../main/contract';
import { errorMessage, useHost, type HostStatus } from '../host';
import { INITIAL_STATUS } from '../host/types';
import { DEFAULT_ROUTE, parseRoute, routeHash, type Route } from '../util/route';

export interface Toast {
  id: number;
  kind: 'info' | 'success' | 'error';
  message: string;
  /** What failed, e.g. "Deleting run 4". */
  title?: string;
}

/** App-wide state: what the main side is, where the user is, connection state and notices. */
export const useAppStore = defineStore('app', () => {
  const host = useHost();

  const info = ref<AppInfo | null>(null);
  const infoError = ref<string | null>(null);
  const infoLoading = ref(false);

  async function loadInfo(): Promise<void> {
    infoLoading.value = true;
    try {
      info.value = await host.getInfo();
      infoError.value = null;
    } catch (cause) {
      infoError.value = errorMessage(cause);
    } finally {
      infoLoading.value = false;
    }
  }

  // ---- navigation -------------------------------------------------------------------------------
  const route = ref<Route>(typeof window === 'undefined' ? DEFAULT_ROUTE : parseRoute(window.location.hash));

  function navigate(next: Route): void {
    route.value = next;
    if (typeof window === 'undefined') return;
    const hash = routeHash(next);
    if (window.location.hash !== hash) window.history.pushState(null, '', hash);
  }

  /** Follows the address bar (back/forward, typed hashes). */
  function startRouting(): () => void {
    const sync = (): void => {
      route.value = parseRoute(window.location.hash);
    };
    window.addEventListener('popstate', sync);
    window.addEventListener('hashchange', sync);
    if (!window.location.hash) window.history.replaceState(null, '', routeHash(route.value));
    return () => {
      window.removeEventListener('popstate', sync);
      window.removeEventListener('hashchange', sync);
    };
  }

  // ---- connection -------------------------------------------------------------------------------
  const status = shallowRef<HostStatus>(INITIAL_STATUS);
  host.onStatus((next) => {
    status.value = next;
  });
  const connected = computed(() => status.value.connection === 'open');

  // ---- notices ----------------------------------------------------------------------------------
  const toasts = ref<Toast[]>([]);
  let nextToast = 1;
  const timers = new Map<number, ReturnType<typeof setTimeout>>();

  function notify(kind: Toast['kind'], message: string, title?: string): number {
    const id = nextToast++;
    toasts.value = [...toasts.value.slice(-4), { id, kind, message, title }];
    // Errors stay until dismissed: a researcher may come back to read them.
    if (kind !== 'error') timers.set(id, setTimeout(() => dismiss(id), 4500));
    return id;
  }

  function dismiss(id: number): void {
    toasts.value = toasts.value.filter((t) => t.id !== id);
    const timer = timers.get(id);
    if (timer !== undefined) clearTimeout(timer);
    timers.delete(id);
  }

  /** For failures the view cannot show in place. */
  function reportError(cause: unknown, title?: string): void {
    notify('error', errorMessage(cause), title);
  }

  // ---- help -------------------------------------------------------------------------------------
  /** The Help view is open ("?" or F1, or the sidebar's Help). */
  const helpOpen = ref(false);

  return { info, infoError, infoLoading, loadInfo, route, navigate, startRouting, status, connected, toasts, notify, dismiss, reportError, helpOpen };
});
