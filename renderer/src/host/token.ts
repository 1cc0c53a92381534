const KEY = 'stbp-workbench.token';

/**
 * The web server hands the page its token in the URL (`#token=…`). Keep it for this tab in
 * sessionStorage, then take it out of the address bar so it does not end up in bookmarks or
 * screenshots. A reload finds it in sessionStorage.
 */
export function takeToken(
  location: Pick<Location, 'hash' | 'pathname' | 'search'>,
  storage: Pick<Storage, 'getItem' | 'setItem'>,
  history: Pick<History, 'replaceState'>,
): string | null {
  const hash = location.hash.replace(/^#/, '');
  const params = hash.split('&');
  const entry = params.find((p) => p.startsWith('token='));
  if (entry !== undefined) {
    const token = decodeURIComponent(entry.slice('token='.length));
    storage.setItem(KEY, token);
    const rest = params.filter((p) => p !== entry).join('&');
    history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
    return token;
  }
  return storage.getItem(KEY);
}
