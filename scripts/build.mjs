// Bundles each binary under src/cli into dist/ so a command starts without resolving hundreds of
// modules; dynamic imports become separate chunks, so a fast path never loads a dashboard.
import { build } from 'esbuild';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { bin } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const entryPoints = Object.keys(bin)
  .map((name) => ({ in: `${root}src/cli/${name}.ts`, out: name }))
  .filter((entry) => existsSync(entry.in));
entryPoints.push({ in: `${root}src/index.ts`, out: 'index' });

// Build beside dist/ and swap it in, so commands running meanwhile see a complete tree.
const staging = `${root}dist.build-${process.pid}`;
await build({
  entryPoints,
  outdir: staging,
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

const retired = `${root}dist.old-${process.pid}`;
if (existsSync(`${root}dist`)) renameSync(`${root}dist`, retired);
renameSync(staging, `${root}dist`);
rmSync(retired, { recursive: true, force: true });
