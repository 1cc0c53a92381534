import type { Host } from '../host';

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
