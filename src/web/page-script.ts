/**
 * The page's script, served as /assets/dashboard.js: src/web/browser/page.ts (type-checked with
 * the DOM library by src/web/browser/tsconfig.json) bundled for the browser into one script.
 *
 * Built, this module is not this code: scripts/build.mjs replaces it with the bundled text, so
 * dist/ carries the script and never loads esbuild. Run from source (vitest imports the server),
 * it bundles page.ts on first use with esbuild's synchronous API, which is installed wherever the
 * sources run (a devDependency). Not a generated file: one checked in, or written before the
 * tests, is stale the moment page.ts changes without its generator running, and the tests would
 * then pass against a script nobody wrote; bundled from the source on use, it cannot disagree
 * with it. test/e2e/dashboard-serve.test.ts checks that the built script is this one.
 */
import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';

let script: string | undefined;

/** The same options as scripts/build.mjs's pageScriptInline. */
export function pageScript(): string {
  script ??= buildSync({
    entryPoints: [fileURLToPath(new URL('browser/page.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
  }).outputFiles[0]!.text;
  return script;
}
