import { expect, it } from 'vitest';
import { describeWith } from '../helpers/requires.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';
import { waitFor } from '../helpers/wait-for.js';
import { withManagerBench } from './worker-manager-helpers.js';

const workersOf = (body: Record<string, unknown>) => (body.events as { worker?: number }[]).map((event) => event.worker);

// The real manager and workers in tmux (fake agent), a webhook receiver on 127.0.0.1. `npm run build` first.
describeWith(['git', 'tmux'], 'worker-manager notifications', () => {
  it('five workers killed together: one coalesced message, delivered once through two 500s; a manager restart does not resend', async () => {
    const hook = await startWebhookReceiver(2);
    await withManagerBench(
      { CHECK_INTERVAL: '3600', NOTIFY_WEBHOOK_URL: hook.url, NOTIFY_COALESCE: '3', NOTIFY_DESKTOP: 'false' },
      async (pool) => {
        expect((await pool.wm('scale', '5')).exitCode).toBe(0);
        expect((await pool.wm('start')).exitCode).toBe(0);
        await waitFor(() => pool.managerLog().includes('Manager started'), { what: 'the manager loop' });
        const panes = await Promise.all([1, 2, 3, 4, 5].map((id) => pool.livePane(id)));
        const ids = [1, 2, 3, 4, 5].map(String);
        await waitFor(
          async () => {
            const workers = (await pool.bench.health.read()).workers;
            return ids.every((id) => workers[id]?.pid !== undefined);
          },
          { timeoutMs: 30_000, what: 'five heartbeats' },
        );
        for (const pane of panes) process.kill(pool.workerPid(pane), 'SIGKILL');
        await Promise.all(panes.map((pane, index) => pool.livePane(index + 1, pane.pid, 30_000)));
        const [first] = await waitFor(() => (hook.accepted().length > 0 ? hook.accepted() : undefined), {
          timeoutMs: 60_000,
          what: 'the webhook to accept a message',
        });
        expect(first).toMatchObject({ kind: 'worker_restarted', source: 'hybrid-workers' });
        expect(workersOf(first!).sort()).toEqual([1, 2, 3, 4, 5]);
        expect(first!.text).toMatch(/^5 worker restarted events: /);
        expect(hook.requests.map((request) => request.status)).toEqual([500, 500, 200]);
        await waitFor(() => pool.managerLog().includes(`Sent the worker_restarted notification ${String(first!.id)}`), {
          what: 'the manager to note the delivery',
        });

        expect((await pool.wm('stop')).exitCode).toBe(0);
        expect((await pool.wm('start')).exitCode).toBe(0);
        await waitFor(() => pool.managerLog().split('Manager started').length === 3, { what: 'the second manager loop' });
        // A new event after the restart is what ends the wait; the first message must not come again.
        const again = await pool.livePane(1);
        process.kill(pool.workerPid(again), 'SIGKILL');
        await waitFor(() => hook.accepted().length > 1, { timeoutMs: 60_000, what: 'the message about the second kill' });
        expect(hook.accepted()).toHaveLength(2);
        expect(workersOf(hook.accepted()[1]!)).toEqual([1]);
      },
    );
  }, 180_000);
});
