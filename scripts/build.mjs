// Bundles each binary under src/cli into one CommonJS file, dist/<name>.cjs, that bin/<name>.js runs
// through dist/run-bundle.cjs with V8's code cache; the library (dist/index.js) stays ESM.
// CommonJS because Node 20 starts it faster than an ESM graph, and one file per command because
// the code cache then covers all of it; dynamic imports become lazily evaluated parts of the file,
// so a fast path like `check` never runs a dashboard's module code. The library's type declarations
// go to dist/types (tsc, tsconfig.build.json).
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { lazyZodBinding } from './lazy-zod-binding.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { bin, version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const commands = Object.keys(bin)
  .map((name) => ({ in: `${root}src/cli/${name}.ts`, out: name }))
  .filter((entry) => existsSync(entry.in));

// commander requires node:child_process (and with it net and streams) when it loads, for
// executable subcommands that these commands never use; deferring it to first use takes ~5 ms
// off every start.
const deferCommanderChildProcess = {
  name: 'defer-commander-child-process',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer) ? { path: 'deferred-child-process', namespace: 'deferred' } : undefined,
    );
    esbuild.onLoad({ filter: /.*/, namespace: 'deferred' }, () => ({
      contents: "let real; module.exports = new Proxy({}, { get: (_, key) => (real ??= require('node:child_process'))[key] });",
      loader: 'js',
    }));
  },
};

// A dynamic import() of a node builtin stays import() in a CommonJS bundle, and the vm Script a
// bundle runs in (run-bundle) has no loader for it: ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING at the
// call. Made a module of the bundle, it becomes a require() at first use, which is what the source
// means by importing it late (a builtin a process may never need, such as node:http).
const builtinDynamicImports = {
  name: 'builtin-dynamic-imports',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^node:/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: args.path, namespace: 'late-builtin' } : undefined,
    );
    esbuild.onLoad({ filter: /.*/, namespace: 'late-builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

// The dashboard's script runs in the browser: src/web/browser/page.ts bundled for it, in place of
// src/web/page-script.ts (which bundles it on first use when the sources run, with these options).
let pageScriptText;
const pageScriptInline = {
  name: 'page-script-inline',
  setup(esbuild) {
    esbuild.onLoad({ filter: /[\\/]src[\\/]web[\\/]page-script\.ts$/ }, async () => {
      pageScriptText ??= build({
        entryPoints: [`${root}src/web/browser/page.ts`],
        bundle: true,
        format: 'iife',
        platform: 'browser',
        target: 'es2022',
        write: false,
        logLevel: 'warning',
      }).then((result) => result.outputFiles[0].text);
      return { contents: `export const pageScript = () => ${JSON.stringify(await pageScriptText)};`, loader: 'js' };
    });
  },
};

const shared = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
  // The postgres migrations (src/adapters/postgres/migrations/*.sql), imported as their text.
  loader: { '.sql': 'text' },
};

// Build beside dist/ and swap it in, so commands running meanwhile see a complete tree.
const staging = `${root}dist.build-${process.pid}`;
// tsc takes a few seconds: it runs beside the bundling.
const declarations = promisify(execFile)(
  process.execPath,
  [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', `${root}tsconfig.build.json`, '--outDir', `${staging}/types`],
  { cwd: root },
).catch((error) => {
  throw new Error(`tsc could not write the type declarations:\n${error.stdout}${error.stderr}`);
});
await build({
  ...shared,
  entryPoints: commands,
  outdir: staging,
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  plugins: [deferCommanderChildProcess, builtinDynamicImports, lazyZodBinding, pageScriptInline],
  // A command finds its siblings (bin/<name>.js) from its own location.
  define: { 'import.meta.url': '__bundleUrl', __PACKAGE_VERSION__: JSON.stringify(version) },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
await build({ ...shared, entryPoints: [`${root}src/startup/run-bundle.ts`], outfile: `${staging}/run-bundle.cjs`, format: 'cjs' });
await build({
  ...shared,
  entryPoints: [{ in: `${root}src/index.ts`, out: 'index' }],
  outdir: staging,
  format: 'esm',
  plugins: [pageScriptInline],
  // Bundled CommonJS packages (commander) still call require().
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
await declarations;

// V8 keeps a bundle's source in memory for the life of the process, one byte a character unless a
// single character lies above U+00FF: then all of it takes two (1 MB more in every worker). esbuild
// escapes strings but not regular expression literals, so write those characters as \u escapes.
for (const { out } of commands) {
  const wide = /[\u0100-\uffff]/.exec(readFileSync(`${staging}/${out}.cjs`, 'utf8'))?.[0];
  if (wide) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`dist/${out}.cjs holds ${JSON.stringify(wide)}: write it as a \\u escape in the source's regular expression.`);
  }
}

const retired = `${root}dist.old-${process.pid}`;
if (existsSync(`${root}dist`)) renameSync(`${root}dist`, retired);
renameSync(staging, `${root}dist`);
rmSync(retired, { recursive: true, force: true });
