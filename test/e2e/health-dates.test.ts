import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';

const check = async (home: string, id: string) => {
  const result = await runBin('worker-health-monitor', ['check', id], { home });
  return { state: result.stdout.trim(), code: result.exitCode };
};

function writeMetrics(home: string, workers: Record<string, Record<string, unknown>>): void {
  mkdirSync(join(home, 'health'), { recursive: true });
  writeFileSync(join(home, 'health', 'metrics.json'), JSON.stringify({ version: 1, workers, stats: {} }));
}

const record = (fields: Record<string, unknown>) => ({
  status: 'idle',
  current_task: 'none',
  last_heartbeat: new Date().toISOString(),
  ...fields,
});

describe('dates in metrics.json', () => {
  it('a record with an impossible date fails the schema: set aside with an ALERT, the other records kept', async () => {
    const home = makeTempDir();
    writeMetrics(home, {
      1: record({}),
      2: record({ last_heartbeat: '2026-13-45T99:99:99Z' }),
      3: record({ status: 'working', current_task: '55', task_started_at: 'not-a-date' }),
      4: record({ started_at: '2026-02-30T00:00:00Z' }),
    });
    expect(await check(home, '1')).toEqual({ state: 'healthy', code: 0 });
    expect(await check(home, '2')).toEqual({ state: 'unknown', code: 3 });
    expect(await check(home, '3')).toEqual({ state: 'unknown', code: 3 });
    expect(readFileSync(join(home, 'health', 'alerts.log'), 'utf8')).toMatch(
      /metrics\.json was unreadable \(.*is not an ISO-8601 date and time\)\); kept 1 worker record\(s\), set aside the record of worker 2, 3, 4; the whole file is kept as .*metrics\.json\.corrupt-/,
    );
  });

  it('a heartbeat in the future beyond the clock skew is no evidence of life: unknown, not healthy', async () => {
    const home = makeTempDir();
    writeMetrics(home, {
      1: record({ last_heartbeat: '2099-01-01T00:00:00Z' }),
      2: record({ last_heartbeat: new Date(Date.now() + 2000).toISOString() }),
    });
    expect(await check(home, '1')).toEqual({ state: 'unknown', code: 3 });
    expect(await check(home, '2')).toEqual({ state: 'healthy', code: 0 });
    const report = JSON.parse((await runBin('worker-health-monitor', ['report', 'json'], { home })).stdout) as {
      workers: { id: number; heartbeat_age_s: number | null }[];
    };
    expect(report.workers.map((worker) => worker.heartbeat_age_s)).toEqual([null, 0]);
  });
});
