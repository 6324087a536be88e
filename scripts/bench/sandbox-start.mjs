// The start time the agent's sandbox (src/adapters/bubblewrap/, docs/SPEC.md section 15) adds to
// every attempt: the same command (/bin/true, so only the start is measured) in a task's
// worktree, run as the worker would run it with the sandbox (the environment filter, bwrap with
// the full boundary of a command agent) and without. Median and p90 of RUNS runs each, with
// hyperfine when it is on PATH (its JSON times), else timed here with spawnSync.
// Run: node scripts/bench/sandbox-start.mjs [runs]   (needs bubblewrap; Linux)
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const RUNS = Number(process.argv[2] ?? 30);
const COMMAND = ['/bin/true'];

const work = mkdtempSync(join(tmpdir(), 'hw-bench-sandbox-'));
await build({
  entryPoints: [join(root, 'src/adapters/bubblewrap/host-plan.ts'), join(root, 'src/adapters/bubblewrap/probe.ts')],
  outdir: join(work, 'out'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // execa's CommonJS dependencies require node's modules.
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  logLevel: 'warning',
});
const { sandboxedArgv } = await import(pathToFileURL(join(work, 'out', 'host-plan.js')).href);
const { probeSandbox } = await import(pathToFileURL(join(work, 'out', 'probe.js')).href);

const probe = await probeSandbox(process.env, process.platform);
if (!probe.available) {
  console.error(`no sandbox here: ${probe.why}: ${probe.fix}`);
  process.exit(1);
}

// A repository with a task worktree, as a worker prepares it.
const git = (cwd, ...args) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const repo = join(work, 'repo');
mkdirSync(repo);
git(repo, 'init', '-q', '-b', 'main');
git(repo, '-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', 'commit', '-q', '--allow-empty', '-m', 'initial');
const worktree = join(repo, '.worktrees', 'subissue-1');
git(repo, 'worktree', 'add', '-q', '-b', 'subissue/1-1', worktree);
const refDir = join(work, 'ref');
mkdirSync(refDir);
writeFileSync(join(refDir, '1-1'), `${git(repo, 'rev-parse', 'HEAD')}\n`);
const argv = sandboxedArgv(
  { bwrap: probe.bwrap, env: process.env, roPaths: [], allowHosts: [], root: process.getuid?.() === 0 },
  {
    argv: COMMAND,
    env: { TASK_ID: '1' },
    worktree,
    git: { commonDir: join(repo, '.git'), adminDir: join(repo, '.git', 'worktrees', 'subissue-1'), branch: 'subissue/1-1', refDir },
    claude: false,
  },
);

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const summary = (ms) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9) };
};
const quote = (word) => `'${word.replaceAll("'", "'\\''")}'`;

function timed(words) {
  const hyperfine = spawnSync('hyperfine', ['--version'], { encoding: 'utf8' });
  if (hyperfine.status === 0) {
    const out = join(work, 'hyperfine.json');
    execFileSync('hyperfine', ['-N', '--warmup', '3', '--runs', String(RUNS), '--export-json', out, words.map(quote).join(' ')], {
      cwd: worktree,
      stdio: 'ignore',
    });
    return { tool: 'hyperfine', ...summary(JSON.parse(readFileSync(out, 'utf8')).results[0].times.map((s) => s * 1000)) };
  }
  const ms = [];
  for (let run = -3; run < RUNS; run += 1) {
    const started = performance.now();
    const result = spawnSync(words[0], words.slice(1), { cwd: worktree, stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`${words[0]} exited ${result.status}`);
    if (run >= 0) ms.push(performance.now() - started);
  }
  return { tool: 'spawnSync', ...summary(ms) };
}

const outside = timed(COMMAND);
const inside = timed(argv);
const fmt = (ms) => `${ms.toFixed(1)} ms`;
console.log(`sandbox start, ${RUNS} runs each (${inside.tool}), command ${COMMAND.join(' ')} in a task worktree:`);
console.log(`  outside the sandbox: median ${fmt(outside.median)}, p90 ${fmt(outside.p90)}`);
console.log(`  inside the sandbox:  median ${fmt(inside.median)}, p90 ${fmt(inside.p90)}`);
console.log(`  added per attempt:   median ${fmt(inside.median - outside.median)}, p90 ${fmt(inside.p90 - outside.p90)}`);
rmSync(work, { recursive: true, force: true });
