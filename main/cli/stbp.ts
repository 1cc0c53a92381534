import { main } from './cli';

// The `stbp` command (bin/stbp.mjs loads the bundle of this file).
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`stbp: ${message}`);
    process.exit(2);
  },
);
