// Measures `worker-performance report --json` and `export --format prom` on a data root with 64
// workers and 100,000 history records (and 10,000, to show memory does not follow history size):
// wall time with hyperfine, peak memory (maxRSS) through a preload hook. Run: node scripts/bench/performance-report.mjs
// Needs a build (npm run build) and hyperfine on PATH.
import { rmSync } from 'node:fs';
import { WORKERS, historyRecords, hyperfine, makeDataRoot, maxRssMb } from './performance-data.mjs';

/** History sizes to compare; more can be given as arguments (node ... 10000 100000 300000). */
const SIZES = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [10_000, 100_000];

const COMMANDS = ['report --json', 'export - --format prom'];
const rows = [];
for (const records of SIZES) {
  const home = makeDataRoot(records, { 'tasks.jsonl': historyRecords(records, 30).map((record) => record.line) });
  try {
    const medians = hyperfine(home, COMMANDS);
    COMMANDS.forEach((command, index) =>
      rows.push({
        records,
        command,
        median_ms: Math.round(medians[index].wall),
        cpu_ms: Math.round(medians[index].cpu),
        max_rss_mb: Math.round(maxRssMb(home, command.split(' '))),
      }),
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
console.log(`worker-performance with ${WORKERS} workers (median wall time and mean CPU time of 10 runs, peak RSS of one run)`);
console.table(rows);
for (const command of COMMANDS) {
  const [small, large] = [SIZES[0], SIZES.at(-1)].map((records) => rows.find((row) => row.records === records && row.command === command));
  console.log(
    `${command}: ${large.records / small.records}x the records -> time x${(large.median_ms / small.median_ms).toFixed(2)}, CPU x${(large.cpu_ms / small.cpu_ms).toFixed(2)}, peak memory x${(large.max_rss_mb / small.max_rss_mb).toFixed(2)}`,
  );
}
