// Measures `worker-performance report --json` over a year of history (100,000 records by default)
// kept in one tasks.jsonl against the same records rolled over into monthly files (12 rolled
// months plus the current one): wall time with hyperfine, peak RSS. Whether reading the rolled
// files together keeps the memory of one file. Run: node scripts/bench/performance-history-rolled.mjs [records]
// Needs a build (npm run build) and hyperfine on PATH.
import { rmSync } from 'node:fs';
import { NOW, WORKERS, historyRecords, hyperfine, makeDataRoot, maxRssMb } from './performance-data.mjs';

const RECORDS = Number(process.argv[2] ?? 100_000);
const COMMAND = 'report --json';
const currentMonth = new Date(NOW).toISOString().slice(0, 7);
const records = historyRecords(RECORDS, 365);

/** The names the worker's roll-over gives: tasks-<month>.jsonl for months gone by, tasks.jsonl for this one. */
function rolledFiles() {
  const files = {};
  for (const { ended_at, line } of records) {
    const month = ended_at.slice(0, 7);
    const name = month === currentMonth ? 'tasks.jsonl' : `tasks-${month}.jsonl`;
    (files[name] ??= []).push(line);
  }
  return files;
}

const layouts = [
  ['single', { 'tasks.jsonl': records.map((record) => record.line) }],
  ['rolled', rolledFiles()],
];
const rows = [];
for (const [layout, files] of layouts) {
  const home = makeDataRoot(`${layout}-${RECORDS}`, files);
  try {
    const [median] = hyperfine(home, [COMMAND]);
    rows.push({
      layout,
      files: Object.keys(files).length,
      records: RECORDS,
      median_ms: Math.round(median.wall),
      cpu_ms: Math.round(median.cpu),
      max_rss_mb: Math.round(maxRssMb(home, COMMAND.split(' '))),
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
console.log(
  `worker-performance ${COMMAND} with ${WORKERS} workers, a year of history (median wall time and mean CPU time of 10 runs, peak RSS of one run)`,
);
console.table(rows);
const [single, rolled] = rows;
console.log(
  `rolled (${rolled.files} files) against single: time x${(rolled.median_ms / single.median_ms).toFixed(2)}, CPU x${(rolled.cpu_ms / single.cpu_ms).toFixed(2)}, peak memory x${(rolled.max_rss_mb / single.max_rss_mb).toFixed(2)}`,
);
