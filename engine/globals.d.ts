// The few host globals the engine uses, available in Node, browsers and Electron alike. Declared
// here rather than pulling in the DOM or Node type libraries, so engine code cannot use anything
// else of either by accident (STYLE.md item 10).
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    grow(pages: number): number;
  }
}
