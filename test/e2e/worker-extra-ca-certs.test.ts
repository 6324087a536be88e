import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { expect, it } from 'vitest';
import { CARRIED_NAME } from '../../src/core/extra-ca-certs.js';
import { runningManagerPid } from '../../src/manager/manager-process.js';
import { startedEnvironment } from '../helpers/process-scan.js';
import { describeWith } from '../helpers/requires.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';
import { FAKE_AGENT_PASS } from '../helpers/worker-harness.js';
import { withManagerBench } from './worker-manager-helpers.js';

describeWith(['git', 'tmux'], 'NODE_EXTRA_CA_CERTS in a pool (src/core/extra-ca-certs.ts)', () => {
  it('workers and the manager start without the certificates; the agent and a shell opened in the session get the variable as the user set it', async () => {
    const caFile = join(makeTempDir(), 'corporate-ca.pem');
    writeFileSync(caFile, rootCertificates.slice(0, 3).join('\n'));
    const settings = { NODE_EXTRA_CA_CERTS: caFile, AGENT_ENV_PASS: `${FAKE_AGENT_PASS},NODE_EXTRA_CA_CERTS` };
    await withManagerBench(settings, async (pool) => {
      await pool.bench.backend.add({ subissue: '301', parent: '9', priority: 2 });
      expect((await pool.wm('scale', '1')).exitCode).toBe(0);
      expect((await pool.wm('start')).exitCode).toBe(0);
      await waitFor(async () => (await pool.bench.backend.list()).every((task) => task.status === 'done'), {
        timeoutMs: 60_000,
        what: 'the task to finish',
      });
      const agentEnv = JSON.parse(readFileSync(join(pool.bench.agentDir, 'env-301.json'), 'utf8')) as Record<string, string>;
      expect(agentEnv.NODE_EXTRA_CA_CERTS).toBe(caFile);
      expect(agentEnv).not.toHaveProperty(CARRIED_NAME);

      const worker = pool.workerPid(await pool.livePane(1));
      const manager = await runningManagerPid(pool.bench.paths);
      for (const [name, pid] of [
        ['worker', worker],
        ['manager', manager],
      ] as const) {
        expect(pid, name).toBeGreaterThan(0);
        expect(startedEnvironment(pid!), name).toMatchObject({ NODE_EXTRA_CA_CERTS: '', [CARRIED_NAME]: caFile });
      }
      // A shell the user opens in the workers' session has the variable as they set it.
      const windowEnv = join(pool.bench.home, 'window.env');
      execFileSync('tmux', [
        '-L',
        pool.socket,
        'new-window',
        '-d',
        '-t',
        '=hw-workers:9',
        '--',
        'sh',
        '-c',
        `env > ${windowEnv}; sleep 60`,
      ]);
      await waitFor(() => existsSync(windowEnv) && readFileSync(windowEnv, 'utf8').includes('PATH='), { what: "the window's environment" });
      expect(readFileSync(windowEnv, 'utf8')).toContain(`\nNODE_EXTRA_CA_CERTS=${caFile}\n`);
      expect(readFileSync(windowEnv, 'utf8')).not.toContain(CARRIED_NAME);
    });
  });
});
