// What a process evaluates when it starts: the static import graph of an entry file (dynamic
// imports are left out: the bundle evaluates them on first use), by package or src/ folder, in
// source bytes. A regression check for the fixed cost (docs/PERFORMANCE.md, "A task's fixed cost").
// Usage: node scripts/bench/module-graph.mjs src/worker/start-worker.ts [package-to-trace]
import { build } from 'esbuild';

const [entry, traced] = process.argv.slice(2);
if (entry === undefined) {
  console.error('usage: node scripts/bench/module-graph.mjs ENTRY.ts [package-to-trace]');
  process.exit(2);
}
const { metafile } = await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  metafile: true,
  loader: { '.sql': 'text' },
  logLevel: 'silent',
  outdir: 'unused',
});
const { inputs } = metafile;
const loaded = new Set();
const pending = [entry.replace(/^\.\//, '')];
while (pending.length > 0) {
  const file = pending.pop();
  if (loaded.has(file) || inputs[file] === undefined) continue;
  loaded.add(file);
  for (const imported of inputs[file].imports) if (imported.kind !== 'dynamic-import') pending.push(imported.path);
}
const owner = (file) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file.split('/').slice(0, 2).join('/');
const bytes = new Map();
for (const file of loaded) bytes.set(owner(file), (bytes.get(owner(file)) ?? 0) + inputs[file].bytes);
const total = [...bytes.values()].reduce((sum, value) => sum + value, 0);
console.log(`${entry}: ${loaded.size} files, ${(total / 1024).toFixed(0)} KB of source evaluated at start`);
for (const [name, size] of [...bytes].sort((a, b) => b[1] - a[1])) console.log(`${(size / 1024).toFixed(0).padStart(6)} KB  ${name}`);
if (traced !== undefined) {
  for (const file of loaded)
    for (const imported of inputs[file].imports)
      if (imported.kind !== 'dynamic-import' && imported.path.includes(`node_modules/${traced}/`) && !file.includes('node_modules'))
        console.log(`${file} imports ${traced}`);
}
