import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createEventLog } from '../../src/core/event-log.js';
import { dataPaths } from '../../src/core/paths.js';
import { resolveSettings } from '../../src/core/settings.js';
import { appendTaskHistory } from '../../src/history/task-history.js';
import { createNotifier } from '../../src/notify/notifications.js';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

const RECORDER = fileURLToPath(new URL('../fixtures/notify/record-notification.mjs', import.meta.url));
const readRecords = (file: string) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line))
    : [];

describe('NOTIFY_COMMAND', () => {
  it('gets a failed task as JSON on stdin and in NOTIFY_* variables; a title holding $(...) runs nothing', async () => {
    const home = makeTempDir();
    const paths = dataPaths(home);
    const out = join(home, 'received.jsonl');
    const marker = join(home, 'pwned');
    const env = {
      NOTIFY_COMMAND: `"${process.execPath}" "${RECORDER}" "${out}"`,
      NOTIFY_COALESCE: '0',
      NOTIFY_DESKTOP: 'false',
      WORKER_BACKEND: 'embedded',
    };
    const settings = resolveSettings({}, env);
    const notifier = createNotifier(
      { paths, settings, env: { ...process.env, ...env }, now: () => new Date() },
      createEventLog(paths.managerLog, paths.alertsLog),
    );
    await notifier.step(); // the baseline
    const hostile = `$(touch ${marker})\`touch ${marker}\`; touch ${marker}`;
    const started = new Date(Date.now() - 5000).toISOString();
    await appendTaskHistory(paths.historyFile, {
      version: 1,
      task_id: '41',
      parent: '7',
      worker_id: 2,
      attempts: 3,
      started_at: started,
      ended_at: new Date().toISOString(),
      result: 'failed',
      error_class: 'agent_error',
      error: hostile,
      title: hostile,
    } as Parameters<typeof appendTaskHistory>[1]);
    await notifier.step();
    const [record] = await waitFor(() => (readRecords(out).length > 0 ? readRecords(out) : undefined), { what: 'the command to run' });
    expect(record.stdin).toMatchObject({ kind: 'task_failed', events: [{ task: '41', parent: '7', worker: 2, title: hostile }] });
    expect(record.stdin.text).toContain(hostile);
    expect(record.env).toMatchObject({
      NOTIFY_KIND: 'task_failed',
      NOTIFY_TASK: '41',
      NOTIFY_PARENT: '7',
      NOTIFY_WORKER: '2',
      NOTIFY_TITLE: hostile,
      NOTIFY_COUNT: '1',
    });
    expect(existsSync(marker)).toBe(false);
    // Sent once: a further step finds nothing new.
    await notifier.step();
    expect(readRecords(out)).toHaveLength(1);
  });

  it('worker-manager notify-test reports each sink; without a sink it says what to set', async () => {
    const home = makeTempDir();
    const out = join(home, 'received.jsonl');
    const env = {
      NOTIFY_COMMAND: `"${process.execPath}" "${RECORDER}" "${out}"`,
      NOTIFY_WEBHOOK_URL: 'http://127.0.0.1:9/hook',
      NOTIFY_DESKTOP: 'false',
    };
    const result = await runBin('worker-manager', ['notify-test'], { home, env });
    expect(result.stdout).toMatch(/^webhook http:\/\/127\.0\.0\.1:9: failed \(.+\)$/m);
    expect(result.stdout).toMatch(/^command .*node: delivered$/m);
    expect(result.exitCode).toBe(1);
    expect(readRecords(out)[0].stdin).toMatchObject({ kind: 'test' });
    const none = await runBin('worker-manager', ['notify-test'], { home, env: { NOTIFY_DESKTOP: 'false' } });
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toMatch(/^worker-manager: No notification sink is configured: set NOTIFY_WEBHOOK_URL or NOTIFY_COMMAND/);
  });
});
