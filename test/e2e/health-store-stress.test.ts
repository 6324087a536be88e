import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { metricsSchema } from '../../src/health/metrics-schema.js';
import { binPath, REPO_ROOT } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';

const readMetrics = (home: string) => metricsSchema.parse(JSON.parse(readFileSync(join(home, 'health', 'metrics.json'), 'utf8')));

describe('metrics.json under concurrent writers (shell defect 1)', () => {
  it('32 processes completing 20 tasks each plus 32 heartbeating lose no update', async () => {
    const home = makeTempDir();
    const bin = binPath('worker-health-monitor');
    const loop = (command: string) =>
      execa('bash', ['-c', `for i in $(seq 20); do ${command} || exit 1; done`], {
        env: { CLAUDE_WORKERS_HOME: home, BIN: bin, NODE: process.execPath },
        reject: false,
        timeout: 600_000,
      });
    const runs = [
      ...Array.from({ length: 32 }, (_, index) => loop(`"$NODE" "$BIN" complete ${index + 1} true`)),
      ...Array.from({ length: 32 }, (_, index) =>
        execa(process.execPath, [bin, 'heartbeat', String(index + 33), 'working', '5'], {
          env: { CLAUDE_WORKERS_HOME: home },
          reject: false,
          timeout: 600_000,
        }),
      ),
    ];
    const results = await Promise.all(runs);
    expect(results.filter((result) => result.exitCode !== 0).map((result) => result.stderr)).toEqual([]);
    const metrics = readMetrics(home);
    expect(metrics.stats.total_tasks).toBe(640);
    expect(metrics.stats.successful_tasks).toBe(640);
    for (let id = 1; id <= 32; id += 1) expect(metrics.workers[String(id)]?.tasks_completed).toBe(20);
    for (let id = 33; id <= 64; id += 1) expect(metrics.workers[String(id)]?.status).toBe('working');
  }, 900_000);

  it('100 writers killed with SIGKILL at random moments never leave a broken file or a lock that blocks past the stale timeout', async () => {
    const staleMs = 2000;
    const lanes = 4;
    const killsPerLane = 25;
    const writer = join(REPO_ROOT, 'test', 'fixtures', 'metrics-writer.mjs');
    const waits: number[] = [];

    const runLane = async (lane: number) => {
      const home = makeTempDir();
      let expectedAtLeast = 0;
      for (let kill = 0; kill < killsPerLane; kill += 1) {
        const startedAt = Date.now();
        const child = spawn(process.execPath, [writer, home, String(lane + 1)], {
          env: { ...process.env, LOCK_STALE_TIMEOUT: String(staleMs / 1000) },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        // "ready" means the writer got the lock: measured from start, a stale lock left by the
        // previous writer must not hold it up beyond the stale timeout (plus process start).
        await new Promise<void>((resolve, reject) => {
          child.stdout.once('data', () => resolve());
          child.once('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
        });
        waits.push(Date.now() - startedAt);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 30));
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
        const metrics = readMetrics(home);
        expect(metrics.stats.total_tasks).toBeGreaterThanOrEqual(expectedAtLeast + 1);
        expectedAtLeast = metrics.stats.total_tasks;
      }
      const files = readdirSync(join(home, 'health')).filter((name) => !name.startsWith('.metrics.json.') && !name.endsWith('.lock'));
      expect(files.sort()).toEqual(['health.log', 'metrics.json']);
    };
    await Promise.all(Array.from({ length: lanes }, (_, lane) => runLane(lane)));
    expect(waits).toHaveLength(lanes * killsPerLane);
    // Without stale-lock recovery a writer would wait forever (and give up after 3x the stale time).
    expect(Math.max(...waits)).toBeLessThan(staleMs * 3);
  }, 900_000);
});
