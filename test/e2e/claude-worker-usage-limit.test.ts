import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect } from 'vitest';
import { parseClaudeOutputFile } from '../../src/adapters/claude/output-file.js';
import { UsagePause } from '../../src/pause/usage-pause.js';
import { makeClaudeWorkerBench } from '../helpers/claude-worker.js';
import { requireClaude } from '../helpers/messages-api/claude-run.js';
import { byToolResults, text, toolUse, usageLimit, type Script } from '../helpers/messages-api/script.js';
import { runnerCommandLines } from '../helpers/queue-probes.js';
import { describeWith, itEachBackend } from '../helpers/requires.js';
import { waitFor } from '../helpers/wait-for.js';

beforeAll(async () => {
  await requireClaude();
});

describeWith(['claude', 'git'], 'a usage limit under the real worker loop (real claude CLI, subscription login)', () => {
  itEachBackend(
    [],
    '(b) on the %s backend: pauses the whole pool until the reset, hands the task back uncounted, then resumes the same session and completes',
    async (backend) => {
      let resetsAtSeconds = 0;
      let limited = false;
      const work = byToolResults([
        toolUse('Bash', { command: 'git commit -q --allow-empty -m "after the reset"', description: 'Commit' }),
        text('Done.'),
      ]);
      const script: Script = (request) => {
        if (!limited) {
          limited = true;
          // The reset is set when the request arrives, a few seconds ahead, however slowly the CLI started.
          resetsAtSeconds = Math.ceil(Date.now() / 1000) + 5;
          return usageLimit(resetsAtSeconds);
        }
        return work(request);
      };
      const bench = await makeClaudeWorkerBench(script, { auth: 'oauth', backend });
      const pause = new UsagePause({ paths: bench.paths, now: () => new Date(), random: Math.random, jitterMaxMs: 0 });
      const first = await bench.backend.add({ subissue: '51', parent: '50', priority: 1 });
      const one = bench.startWorker(1);
      const record = await waitFor(() => pause.current(), { timeoutMs: 45_000, intervalMs: 50, what: 'the usage pause' }).catch(
        (error: Error) => {
          throw new Error(`${error.message}\n${one.output.join('\n')}`);
        },
      );
      expect(record).toMatchObject({
        limitType: 'five_hour',
        resetsAt: new Date(resetsAtSeconds * 1000).toISOString(),
        source: 'worker-1',
      });
      expect(Date.parse(record.until)).toBeGreaterThanOrEqual(resetsAtSeconds * 1000);
      // The worker records its own ALERT: no manager or health monitor runs here.
      const alerts = () => (existsSync(bench.paths.alertsLog) ? readFileSync(bench.paths.alertsLog, 'utf8') : '');
      await waitFor(() => /Worker 1 hit a usage limit on task 51: dispatch paused until/.test(alerts()), {
        timeoutMs: 10_000,
        what: 'the usage-limit ALERT in alerts.log',
      });

      // While paused nobody claims: a second worker and a second task wait.
      const two = bench.startWorker(2);
      const second = await bench.backend.add({ subissue: '52', parent: '50', priority: 2 });
      await waitFor(() => [one, two].every((worker) => worker.output.some((line) => /dispatch paused until .*five_hour/.test(line))), {
        timeoutMs: 10_000,
        what: 'both workers to report the pause',
      });
      const during = await bench.backend.get(first.id);
      if ((await pause.current()) !== null) {
        expect(during).toMatchObject({ status: 'queued', attempts: 0 });
        expect((await bench.backend.get(second.id))?.status).toBe('queued');
      }
      // Paused workers are healthy and idle: their heartbeats go on.
      await waitFor(async () => (await pause.current()) === null || (await bench.health.read()).workers['1']?.status === 'idle', {
        timeoutMs: 10_000,
        what: 'worker 1 to heartbeat idle while paused',
      });

      await waitFor(async () => (await bench.backend.get(first.id))?.status === 'done', {
        timeoutMs: 90_000,
        intervalMs: 200,
        what: 'the task to complete after the reset',
      }).catch((error: Error) => {
        throw new Error(
          `${error.message}\n${[...one.output, '--', ...two.output].join('\n')}\nrequests: ${bench.api
            .messageRequests()
            .map((request) => request.status)
            .join(' ')}`,
        );
      });
      const completedAt = Date.now();
      expect(completedAt).toBeGreaterThanOrEqual(resetsAtSeconds * 1000);
      const history = bench.history().find((entry) => entry.task_id === '51')!;
      expect(history).toMatchObject({ result: 'success', attempts: 1, resumed: true });

      // The run that hit the limit and the one after the reset are the same conversation.
      const runsDir = join(bench.paths.root, 'runs');
      const outputs = readdirSync(runsDir, { recursive: true, encoding: 'utf8' }).filter(
        (name) => name.includes('task-' + first.id + '-') && name.endsWith('.log'),
      );
      const sessions = await Promise.all(outputs.map(async (name) => (await parseClaudeOutputFile(join(runsDir, name))).sessionId));
      expect(outputs.length).toBe(2);
      expect(new Set(sessions)).toEqual(new Set([history.session_id]));
      const lines = runnerCommandLines(join(bench.paths.queueDir, 'runs'));
      expect(lines.some((line) => line.includes(`--resume ${history.session_id}`))).toBe(true);
      await waitFor(async () => (await bench.backend.get(second.id))?.status === 'done', {
        timeoutMs: 90_000,
        intervalMs: 200,
        what: 'the second task',
      });
    },
    300_000,
  );
});
