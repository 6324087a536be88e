// The manager's own cost with N idle real workers (default CHECK_INTERVAL): CPU seconds per minute,
// resident memory, and the wall time of one check cycle (from the loop's pid file, each pass).
// Usage: node scripts/bench/manager-idle.mjs [window-seconds=60] [sizes=16,64]
import { readFileSync } from 'node:fs';
import { makePool, median, sleep, until } from './manager-pool.mjs';

const windowS = Number(process.argv[2] ?? 60);
const sizes = (process.argv[3] ?? '16,64').split(',').map(Number);
const TICKS = 100; // USER_HZ on Linux

const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
};
const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

const pm2 = { 16: { cpu: 0.33 }, 64: { cpu: 1.15 }, rss: 60 };
for (const size of sizes) {
  const pool = makePool({});
  try {
    pool.wm('scale', String(size));
    pool.wm('start');
    await until(() => Object.values(pool.metrics().workers).filter((w) => w.status === 'idle').length >= size, 300_000, 500);
    const { pid } = pool.loop();
    // Let start-up work settle, then measure a quiet window.
    await sleep(5000);
    const cpuStart = cpuSeconds(pid);
    const passes = new Map();
    const started = Date.now();
    while (Date.now() - started < windowS * 1000) {
      const loop = pool.loop();
      if (loop.last_pass_ms !== null) passes.set(loop.last_pass_at, loop.last_pass_ms);
      await sleep(250);
    }
    const cpuPerMinute = ((cpuSeconds(pid) - cpuStart) * 60) / windowS;
    const rss = rssMiB(pid);
    const cycles = [...passes.values()];
    console.log(`${size} idle workers, ${windowS} s window, CHECK_INTERVAL 10 s:`);
    console.log(
      `  manager CPU: ${cpuPerMinute.toFixed(3)} s per minute (PM2 ${pm2[size]?.cpu ?? '?'} s: ${(cpuPerMinute / (pm2[size]?.cpu ?? NaN)).toFixed(2)}x)`,
    );
    console.log(`  manager RSS: ${rss.toFixed(1)} MiB (PM2 ~${pm2.rss} MiB: ${(rss / pm2.rss).toFixed(2)}x)`);
    console.log(
      `  check cycle wall time: median ${median(cycles).toFixed(1)} ms, max ${Math.max(...cycles).toFixed(1)} ms over ${cycles.length} cycles`,
    );
    console.log(`  restarts during the window: ${(readFileSync(`${pool.home}/manager.log`, 'utf8').match(/restarted/g) ?? []).length}`);
  } finally {
    await pool.cleanup();
  }
}
