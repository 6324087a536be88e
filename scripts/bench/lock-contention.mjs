// Locked read-modify-writes of one JSON file by several processes at once, the way a busy pool's
// workers share the queue file (issue 29): PROCESSES processes make UPDATES updates each of a file
// of 80 records (about 28 KB), a pause of 0 to 4 ms between them. Measures the wall time and the
// processes' CPU time (user + sys), and checks that no update was lost. Compares the lock as built
// (a waiter looks at the holder at most every OWNER_LOOK_MS) with a waiter that looks at every try
// (the lock before 6e1b328): both are bundled from src/core/json-store.ts with esbuild, the second
// with the constant set to 0. Interleaved, ROUNDS rounds; prints each round and the medians.
// Usage: node scripts/bench/lock-contention.mjs [PROCESSES=8] [UPDATES=150] [ROUNDS=3]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const [PROCESSES, UPDATES, ROUNDS] = [process.argv[2] ?? 8, process.argv[3] ?? 150, process.argv[4] ?? 3].map(Number);
const work = mkdtempSync(join(tmpdir(), 'hw-bench-lock-'));

const updater = `
import { z } from 'zod';
import { JsonFile } from '${ROOT}src/core/json-store.ts';
const file = new JsonFile({
  path: process.argv[2],
  schema: z.object({ n: z.number(), items: z.array(z.object({ id: z.number(), s: z.string() })) }),
  empty: () => ({ n: 0, items: Array.from({ length: 80 }, (_, id) => ({ id, s: 'x'.repeat(300) })) }),
});
for (let i = 0; i < Number(process.argv[3]); i += 1) {
  await file.update((draft) => { draft.n += 1; });
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 4));
}
`;

/** The updater bundled with the lock as built, or with its waiters looking at every try. */
async function bundle(name, everyTry) {
  const outfile = join(work, `${name}.mjs`);
  await build({
    stdin: { contents: updater, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'warning',
    plugins: everyTry
      ? [
          {
            name: 'look-every-try',
            setup(esbuild) {
              esbuild.onLoad({ filter: /[\\/]src[\\/]core[\\/]file-lock\.ts$/ }, (args) => {
                const source = readFileSync(args.path, 'utf8');
                if (!/const OWNER_LOOK_MS = \d+;/.test(source)) throw new Error('file-lock.ts has no OWNER_LOOK_MS');
                return { contents: source.replace(/const OWNER_LOOK_MS = \d+;/, 'const OWNER_LOOK_MS = 0;'), loader: 'ts' };
              });
            },
          },
        ]
      : [],
  });
  return outfile;
}

/** One round: the processes' CPU seconds (from /usr/bin/time) and the wall time. */
async function round(script) {
  const file = join(work, `store-${Math.random().toString(16).slice(2)}.json`);
  const started = performance.now();
  const cpu = await Promise.all(
    Array.from(
      { length: PROCESSES },
      () =>
        new Promise((resolve, reject) => {
          const child = spawn('/usr/bin/time', ['-f', '%U %S', process.execPath, script, file, String(UPDATES)], {
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          let err = '';
          child.stderr.on('data', (chunk) => (err += chunk));
          child.once('error', reject);
          child.once('exit', (code) => {
            if (code !== 0) return reject(new Error(`updater exited ${code}: ${err}`));
            const [user, sys] = err.trim().split('\n').at(-1).split(' ').map(Number);
            resolve(user + sys);
          });
        }),
    ),
  );
  const wall = (performance.now() - started) / 1000;
  const count = JSON.parse(readFileSync(file, 'utf8')).n;
  if (count !== PROCESSES * UPDATES) throw new Error(`lost updates: ${count} of ${PROCESSES * UPDATES}`);
  return { wall, cpu: cpu.reduce((a, b) => a + b, 0) };
}

try {
  const variants = [
    ['as built (holder looked at every 100 ms)', await bundle('built', false)],
    ['holder looked at at every try', await bundle('every-try', true)],
  ];
  const results = Object.fromEntries(variants.map(([name]) => [name, []]));
  for (let index = 0; index < ROUNDS; index += 1)
    for (const [name, script] of variants) {
      const result = await round(script);
      results[name].push(result);
      process.stderr.write(`  round ${index + 1} ${name}: wall ${result.wall.toFixed(2)} s, CPU ${result.cpu.toFixed(2)} s\n`);
    }
  console.log(`${PROCESSES} processes x ${UPDATES} locked updates of one file, median of ${ROUNDS} rounds, no update lost`);
  for (const [name, list] of Object.entries(results))
    console.log(`  ${name}: wall ${median(list.map((r) => r.wall)).toFixed(2)} s, CPU ${median(list.map((r) => r.cpu)).toFixed(2)} s`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
