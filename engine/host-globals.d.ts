// Host globals every JavaScript runtime has; the Node seam gets them from @types/node instead.
declare function atob(data: string): string;
declare const console: { log(...args: unknown[]): void; warn(...args: unknown[]): void; error(...args: unknown[]): void };
declare function setTimeout(fn: () => void, ms?: number): unknown;
declare const performance: { now(): number };
declare class TextEncoder {
  encode(input: string): Uint8Array;
}
declare class TextDecoder {
  decode(input: Uint8Array): string;
}
