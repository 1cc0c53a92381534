// A script file (no top-level import), so both declarations below are global.

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent;
  export default component;
}

/** Set by preload/index.ts under Electron; absent in a plain browser. */
interface Window {
  workbench?: import('../../main/contract').WorkbenchApi;
}
