import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { REPO_ROOT } from './run-bin.js';

const bundled = new Map<string, Promise<string>>();

/** Bundles a TypeScript fixture (path from the repository root) once per test file, so children run the current source. */
export function bundleFixture(entry: string): Promise<string> {
  let script = bundled.get(entry);
  if (script === undefined) {
    script = (async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hw-fixture-'));
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
      const outfile = join(dir, basename(entry).replace(/\.ts$/, '.mjs'));
      await build({
        entryPoints: [join(REPO_ROOT, entry)],
        outfile,
        bundle: true,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
        logLevel: 'warning',
        // The postgres migrations, imported as their text (as scripts/build.mjs does).
        loader: { '.sql': 'text' },
      });
      return outfile;
    })();
    bundled.set(entry, script);
  }
  return script;
}
