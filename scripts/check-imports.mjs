// The import graph of src/, checked by `npm run lint`: each folder of src/ sits in one layer, and a
// module imports only modules of its own folder or of a lower layer (docs/ARCHITECTURE.md); the agent
// seam and the tool adapters never import each other; there is no import cycle.
// Usage: node scripts/check-imports.mjs [repository root]; exits 1 and lists what it found, one line each.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The layers of src/, lowest first. Folders in one layer do not import each other. The library
 * entry src/index.ts sits with cli/ at the top: both compose everything below.
 */
export const LAYERS = [
  ['core'],
  ['adapters'],
  ['history'],
  ['health'],
  ['pause'],
  ['queue'],
  ['github'],
  ['agent'],
  ['worker'],
  ['notify'],
  ['manager'],
  ['performance'],
  ['web'],
  ['setup'],
  ['cli', 'startup', 'index.ts'],
];

/** Edges the layers allow but the design does not, and why. */
const FORBIDDEN = [{ from: 'agent/', to: 'adapters/', why: 'the agent seam does not know the tool adapters (the worker composes them)' }];

/** The top folder of a path under src/ (`queue` for `queue/backends/pueue/x.ts`, `index.ts` for the root file). */
const folderOf = (file) => file.split('/')[0];
const layerOf = (folder) => LAYERS.findIndex((layer) => layer.includes(folder));

/** Why `file` may not import `target`, or undefined when it may. */
function layerRule(file, target) {
  const from = folderOf(file);
  const to = folderOf(target);
  if (from === to) return undefined;
  const [fromLayer, toLayer] = [layerOf(from), layerOf(to)];
  if (fromLayer < 0) return `src/${from} is in no layer: add it to LAYERS in scripts/check-imports.mjs and to docs/ARCHITECTURE.md`;
  if (toLayer < 0) return `src/${to} is in no layer: add it to LAYERS in scripts/check-imports.mjs and to docs/ARCHITECTURE.md`;
  if (toLayer < fromLayer) return undefined;
  const relation = toLayer === fromLayer ? 'the same layer as' : 'a higher layer than';
  return `${to}/ is ${relation} ${from}/ (layers, lowest first: ${LAYERS.map((layer) => layer.join(' ')).join(' < ')})`;
}

// Static imports and re-exports (`import x from '…'`, `export { x } from '…'`, `import '…'`) and `import('…')`.
const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The relative imports of one module, as paths under src/ (`worker/run-attempt.ts`). */
function importsOf(file, text) {
  const found = [];
  for (const match of text.matchAll(SPECIFIER)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    if (!specifier.startsWith('.')) continue;
    found.push(posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.js$/, '.ts'));
  }
  return found;
}

/** Cycles as module lists, one per strongly connected component (Tarjan). */
function cyclesOf(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  let next = 0;
  const visit = (node) => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node), low.get(target)));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node), index.get(target)));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return cycles;
}

/**
 * What is wrong with the graph of `sources` (path under src/ -> module text): one sentence per
 * forbidden edge and per cycle, empty when the graph is sound.
 */
export function importViolations(sources) {
  const graph = new Map([...sources].map(([file, text]) => [file, importsOf(file, text)]));
  const problems = [];
  for (const [file, targets] of graph) {
    for (const target of targets) {
      const rule = FORBIDDEN.find((candidate) => file.startsWith(candidate.from) && target.startsWith(candidate.to));
      const why = rule?.why ?? layerRule(file, target);
      if (why) problems.push(`src/${file} imports src/${target}: ${why}.`);
    }
  }
  for (const cycle of cyclesOf(graph)) problems.push(`Import cycle: ${cycle.map((file) => `src/${file}`).join(', ')}.`);
  return problems;
}

function readSources(srcDir) {
  const sources = new Map();
  for (const entry of readdirSync(srcDir, { recursive: true, encoding: 'utf8' })) {
    if (entry.endsWith('.ts')) sources.set(entry.split('\\').join('/'), readFileSync(join(srcDir, entry), 'utf8'));
  }
  return sources;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const problems = importViolations(readSources(join(root, 'src')));
  for (const problem of problems) process.stderr.write(`check-imports: ${problem}\n`);
  if (problems.length > 0) process.exitCode = 1;
  else process.stdout.write(`check-imports: the import graph of ${relative(process.cwd(), join(root, 'src')) || 'src'} is sound.\n`);
}
