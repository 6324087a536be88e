// The start time the agent's sandbox (src/adapters/bubblewrap/, docs/SPEC.md section 15) adds to
// every attempt: the same command (/bin/true, so only the start is measured) in a task's
// worktree, run as the worker would run it with the sandbox (the environment filter, bwrap with
// the full boundary of a command agent) and without. Median and p90 of RUNS runs each, with
// hyperfine when it is on PATH (its JSON times), else timed here with spawnSync. A third row runs
// it with a network: the worker's filtering proxy on its unix socket and the node bridge inside
// (what Claude and any run with allowed hosts get).
// Run: node scripts/bench/sandbox-start.mjs [runs]   (needs bubblewrap; Linux)
import { build } from 'esbuild';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const RUNS = Number(process.argv[2] ?? 30);
const COMMAND = ['/bin/true'];

const work = mkdtempSync(join(tmpdir(), 'hw-bench-sandbox-'));
await build({
  entryPoints: ['host-plan', 'probe', 'filter-proxy'].map((name) => join(root, `src/adapters/bubblewrap/${name}.ts`)),
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
const { startFilterProxy } = await import(pathToFileURL(join(work, 'out', 'filter-proxy.js')).href);

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
const host = { bwrap: probe.bwrap, env: process.env, roPaths: [], allowHosts: [], node: process.execPath, root: process.getuid?.() === 0 };
const run = {
  argv: COMMAND,
  env: { TASK_ID: '1' },
  worktree,
  git: { commonDir: join(repo, '.git'), adminDir: join(repo, '.git', 'worktrees', 'subissue-1'), branch: 'subissue/1-1', refDir },
  claude: false,
};
const argv = sandboxedArgv(host, run);
const rules = [{ host: 'api.anthropic.com', port: 443 }];
mkdirSync(join(work, 'net'));
const socket = join(work, 'net', 'proxy.sock');
const proxy = await startFilterProxy(socket, rules, () => undefined);
const proxiedArgv = sandboxedArgv(host, { ...run, proxy: { socket, rules } });

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const summary = (ms) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9) };
};
const quote = (word) => `'${word.replaceAll("'", "'\\''")}'`;

async function timed(words) {
  const hyperfine = spawnSync('hyperfine', ['--version'], { encoding: 'utf8' });
  if (hyperfine.status === 0) {
    const out = join(work, 'hyperfine.json');
    // Not execFileSync: the proxy in this process must answer while it runs.
    await new Promise((resolve, reject) =>
      execFile(
        'hyperfine',
        ['-N', '--warmup', '3', '--runs', String(RUNS), '--export-json', out, words.map(quote).join(' ')],
        { cwd: worktree },
        (error) => (error ? reject(error) : resolve()),
      ),
    );
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

const outside = await timed(COMMAND);
const inside = await timed(argv);
const proxied = await timed(proxiedArgv);
await proxy.close();
const fmt = (ms) => `${ms.toFixed(1)} ms`;
console.log(`sandbox start, ${RUNS} runs each (${inside.tool}), command ${COMMAND.join(' ')} in a task worktree:`);
console.log(`  outside the sandbox: median ${fmt(outside.median)}, p90 ${fmt(outside.p90)}`);
console.log(`  inside the sandbox:  median ${fmt(inside.median)}, p90 ${fmt(inside.p90)}`);
console.log(`  added per attempt:   median ${fmt(inside.median - outside.median)}, p90 ${fmt(inside.p90 - outside.p90)}`);
console.log(`  inside with the filtering proxy and its bridge: median ${fmt(proxied.median)}, p90 ${fmt(proxied.p90)}`);
console.log(`  added per attempt:   median ${fmt(proxied.median - outside.median)}, p90 ${fmt(proxied.p90 - outside.p90)}`);
rmSync(work, { recursive: true, force: true });
