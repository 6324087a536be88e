// Bundles each binary under src/cli into dist/ so a command starts without resolving hundreds of
// modules; dynamic imports become separate chunks, so a fast path never loads a dashboard.
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entryPoints = readdirSync(`${root}src/cli`)
  .filter((name) => name.endsWith('.ts') && name !== 'run-cli.ts')
  .map((name) => `${root}src/cli/${name}`);

await build({
  entryPoints,
  outdir: `${root}dist`,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  // Bundled CommonJS packages (commander, proper-lockfile) still call require().
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
