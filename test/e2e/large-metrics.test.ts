import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';

const WORKERS = 150_000;

describe(`read-side commands over ${WORKERS} worker records`, () => {
  it('report, dashboard and worker-performance report answer instead of overflowing the stack', async () => {
    const home = makeTempDir();
    const at = new Date().toISOString();
    const workers = Object.fromEntries(
      Array.from({ length: WORKERS }, (_, index) => [
        String(index + 1),
        { last_heartbeat: at, status: 'idle', current_task: 'none', tasks_completed: 1, tasks_failed: 0, restarts: 0 },
      ]),
    );
    mkdirSync(join(home, 'health'), { recursive: true });
    writeFileSync(join(home, 'health', 'metrics.json'), JSON.stringify({ version: 1, workers, stats: {} }));
    const env = { WORKER_BACKEND: 'embedded' };
    const [report, dashboard, performance] = await Promise.all([
      runBin('worker-health-monitor', ['report'], { home, env, timeout: 240_000 }),
      runBin('worker-health-monitor', ['dashboard'], { home, env, timeout: 240_000 }),
      runBin('worker-performance', ['report'], { home, env, timeout: 240_000 }),
    ]);
    for (const result of [report, dashboard, performance]) expect(result.stderr).not.toMatch(/Maximum call stack|unexpected error/);
    expect(report.exitCode, report.stderr).toBe(0);
    expect(report.stdout).toContain(`│ ${WORKERS} `);
    expect(dashboard.exitCode, dashboard.stderr).toBe(0);
    expect(performance.exitCode, performance.stderr).toBe(0);
  }, 300_000);
});
