// The queue library bundled from this tree's source into `dir`, for benchmarks that drive a
// backend in-process or in child processes: import(await bundleQueueLibrary(dir)).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export async function bundleQueueLibrary(dir) {
  const entry = join(dir, 'queue-entry.ts');
  writeFileSync(
    entry,
    [
      `export { openQueueBackend } from '${ROOT}src/queue/open-backend.ts';`,
      `export { dataPaths } from '${ROOT}src/core/paths.ts';`,
      `export { DEFAULT_SETTINGS } from '${ROOT}src/core/settings.ts';`,
      '',
    ].join('\n'),
  );
  const outfile = join(dir, 'queue-lib.mjs');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  return outfile;
}
