// Wall time of the unit suite as vitest.config.ts runs it (worker threads, modules kept between
// files: isolate false) against the same files in forks with isolation (a fresh process per file,
// at most two at once, as every test ran before), side by side in one session, the two ways
// alternating so that load from elsewhere falls on both. Target: threads median at most 0.6x.
// Needs no build. Usage: node scripts/bench/unit-suite.mjs [RUNS]   (npm run bench runs it with 3)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const runs = Number(process.argv[2] ?? 3);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const vitest = ['node_modules/vitest/vitest.mjs', 'run', '--project', 'unit'];

const WAYS = {
  threads: [],
  forks: ['--pool', 'forks', '--isolate', '--poolOptions.forks.maxForks=2', '--poolOptions.forks.minForks=1'],
};

function once(way) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [...vitest, ...WAYS[way]], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const summary = /^tests: (\d+) passed, (\d+) failed/m.exec(result.stdout);
  if (result.status !== 0 || !summary || summary[2] !== '0') {
    process.stderr.write(result.stdout + result.stderr);
    throw new Error(`the unit suite in ${way} failed (exit ${result.status})`);
  }
  return { seconds, passed: Number(summary[1]) };
}

const times = { threads: [], forks: [] };
const passed = new Set();
for (let run = 1; run <= runs; run += 1) {
  for (const way of run % 2 === 1 ? ['threads', 'forks'] : ['forks', 'threads']) {
    const { seconds, passed: count } = once(way);
    times[way].push(seconds);
    passed.add(count);
    console.log(`run ${run} ${way}: ${seconds.toFixed(2)} s (${count} tests passed)`);
  }
}
if (passed.size !== 1) throw new Error(`the two ways ran different numbers of tests: ${[...passed].join(', ')}`);
const threads = median(times.threads);
const forks = median(times.forks);
const ratio = threads / forks;
console.log(
  `unit suite, ${runs} runs each: threads (isolate false) median ${threads.toFixed(2)} s; ` +
    `forks (isolated, maxForks 2) median ${forks.toFixed(2)} s; ratio ${ratio.toFixed(2)}x (target <= 0.6x${ratio <= 0.6 ? ', met' : ', MISSED'})`,
);
