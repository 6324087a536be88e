// The import graph of src/, checked by `npm run lint`: no edge between adapters/ and agent/ (either
// way: the worker composes them), nothing outside cli/ imports cli/, and no import cycle.
// Usage: node scripts/check-imports.mjs [repository root]; exits 1 and lists what it found.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Folders of src/ that must not import each other's modules, and why. */
const FORBIDDEN = [
  { from: 'adapters/', to: 'agent/', why: 'a tool adapter does not know the agent seam' },
  { from: 'agent/', to: 'adapters/', why: 'the agent seam does not know the tool adapters (the worker composes them)' },
  { from: '', to: 'cli/', why: 'only the binaries live in cli/: move what is shared out of it', unless: 'cli/' },
];

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
      const rule = FORBIDDEN.find(
        (candidate) =>
          file.startsWith(candidate.from) && target.startsWith(candidate.to) && !(candidate.unless && file.startsWith(candidate.unless)),
      );
      if (rule) problems.push(`src/${file} imports src/${target}: ${rule.why}.`);
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
