// Commands that act on one worker (restart it, record its beat) act on this host's workers: a
// `host/id` naming this host is that worker, another host's is refused in one sentence.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';

const env = { WORKER_HOST: 'alpha', WORKER_BACKEND: 'embedded' };

describe("another host's worker on this host's commands", () => {
  it.each([
    ['worker-manager', ['restart', 'beta/2'], 'worker-manager restart'],
    ['worker-health-monitor', ['heartbeat', 'beta/2', 'idle'], 'worker-health-monitor heartbeat'],
    ['worker-health-monitor', ['complete', 'beta/2', 'true'], 'worker-health-monitor complete'],
    ['worker-health-monitor', ['restart', 'beta/2'], 'worker-health-monitor restart'],
  ])('%s %j is refused, naming the host to run it on, and writes nothing', async (bin, args, command) => {
    const home = makeTempDir();
    const before = readdirSync(home, { recursive: true }).sort();
    const result = await runBin(bin, args, { home, env });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`${bin}: Worker beta/2 is on host beta, not this one (alpha); run ${command} on beta.`);
    expect(readdirSync(home, { recursive: true }).sort()).toEqual(before);
  });

  it("this host's name before the id is this host's worker", async () => {
    const home = makeTempDir();
    const result = await runBin('worker-health-monitor', ['heartbeat', 'alpha/2', 'idle'], { home, env });
    expect(result.exitCode, result.stderr).toBe(0);
    const metrics = join(home, 'health', 'metrics.json');
    expect(existsSync(metrics)).toBe(true);
    expect(JSON.parse(readFileSync(metrics, 'utf8')).workers['2']).toMatchObject({ status: 'idle' });
  });
});
