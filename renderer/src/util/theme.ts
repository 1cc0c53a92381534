import { ref, watchEffect } from 'vue';

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'stbp-workbench.theme';

const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
const systemDark = ref(media?.matches ?? false);
media?.addEventListener('change', (e) => {
  systemDark.value = e.matches;
});

function stored(): ThemeChoice {
  try {
    const value = localStorage.getItem(KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

export const themeChoice = ref<ThemeChoice>(typeof localStorage === 'undefined' ? 'system' : stored());
/** 'light' or 'dark', what the page shows now; charts pick their theme from it. */
export const resolvedTheme = ref<'light' | 'dark'>('light');

export function startTheme(): void {
  watchEffect(() => {
    const theme = themeChoice.value === 'system' ? (systemDark.value ? 'dark' : 'light') : themeChoice.value;
    resolvedTheme.value = theme;
    document.documentElement.dataset.theme = theme;
    try {
      localStorage.setItem(KEY, themeChoice.value);
    } catch {
      // private mode: the choice lasts this page only
    }
  });
}
