import { describe, expect, it } from 'vitest';
import { visibleWidth } from '../../src/core/text-table.js';
import { renderStatus, type ManagerStatus } from '../../src/manager/status.js';

const snapshot: ManagerStatus = {
  generated_at: '2026-01-01T00:00:00.000Z',
  manager: { running: true, pid: 4242, last_check_ms: 12.5, last_check_at: '2026-01-01T00:00:00.000Z' },
  session: { name: 'claude-workers', exists: true },
  queue_backend: 'Queue backend: embedded (WORKER_BACKEND=embedded).',
  pause: null,
  disk_pause: null,
  workers: [
    { host: 'here', id: 1, pane: '%3', health: 'working', current_task: '101', completed: 4, failed: 1, restarts: 0, heartbeat_age_s: 1.2 },
    {
      host: 'here',
      id: 2,
      pane: '%7',
      health: 'gave-up',
      current_task: 'none',
      completed: 0,
      failed: 0,
      restarts: 5,
      heartbeat_age_s: null,
    },
  ],
  recent_log: ['[2026-01-01T00:00:00.000Z] [ALERT] Worker 2 gave up'],
};

describe('manager status view', () => {
  it('shows the manager, one row per worker and the recent log, without colour at level 0', () => {
    const text = renderStatus(snapshot, 0);
    expect(text).toContain('Manager: running (pid 4242, last check took 12.5 ms)');
    expect(text).toContain('Session: claude-workers');
    expect(text).toContain('\nQueue backend: embedded (WORKER_BACKEND=embedded).\n');
    expect(text).toMatch(/│ 1\s+│ %3\s+│ working\s+│ 101\s+│ 4\s+│ 1\s+│ 0\s+│ 1.2s ago\s+│/);
    expect(text).toMatch(/│ 2\s+│ %7\s+│ gave-up\s+│ -\s+│ 0\s+│ 0\s+│ 5\s+│ never\s+│/);
    expect(text).toContain('[ALERT] Worker 2 gave up');
    expect(text).not.toContain('\u001b[');
    expect(text).not.toContain('paused');
  });

  it('fits an 80-column terminal, a long task id, a long log line and a pause included', () => {
    const crowded: ManagerStatus = {
      ...snapshot,
      pause: 'paused until a person acts (worker-3: Not logged in · Please run /login), since 2026-01-01T00:00:00.000Z',
      workers: [
        ...snapshot.workers,
        {
          host: 'here',
          id: 3,
          pane: '%12',
          health: 'process-gone',
          current_task: '123456789012',
          completed: 1234,
          failed: 567,
          restarts: 89,
          heartbeat_age_s: 7265,
        },
      ],
      recent_log: [`[2026-01-01T00:00:00.000Z] [ALERT] ${'Worker 3 restarted after its pane died; '.repeat(3)}`],
    };
    for (const colorLevel of [0, 1] as const) {
      expect(
        renderStatus(crowded, colorLevel, 80)
          .split('\n')
          .filter((line) => visibleWidth(line) > 80),
      ).toEqual([]);
    }
    const text = renderStatus(crowded, 0, 80);
    expect(text).toMatch(/│ Worker │ Health\s+│ Task\s+│ Done │ Failed │ Restarts │ Heartbeat │/);
    expect(text).toMatch(/│ 3\s+│ process-gone │ 123456789012 │ 1234 │ 567\s+│ 89\s+│ 2h01m ago │/);
  });

  it("adds a Host column, within 80 columns, when another host's workers are shown", () => {
    const fleet: ManagerStatus = {
      ...snapshot,
      workers: [
        ...snapshot.workers,
        {
          host: 'build-02',
          id: 1,
          pane: null,
          health: 'dead',
          current_task: '207',
          completed: 12,
          failed: 3,
          restarts: 2,
          heartbeat_age_s: 600,
        },
      ],
    };
    const text = renderStatus(fleet, 0, 80);
    expect(text).toMatch(/│ Host\s+│ Worker │/);
    expect(text).toMatch(/│ here\s+│ 1\s+│/);
    expect(text).toMatch(/│ build-02 │ 1\s+│ dead\s+│ 207/);
    expect(renderStatus(fleet, 0)).toMatch(/│ build-02 │ 1\s+│ -\s+│ dead\s+│ 207/);
    expect(text.split('\n').filter((line) => visibleWidth(line) > 80)).toEqual([]);
    expect(renderStatus(snapshot, 0)).not.toContain('Host');
  });

  it('shows a usage-limit pause and how to lift it', () => {
    expect(renderStatus({ ...snapshot, pause: 'paused until 2026-01-01T05:00:00.000Z (five_hour)' }, 0)).toContain(
      'Dispatch paused until 2026-01-01T05:00:00.000Z (five_hour) (worker-manager resume lifts it)',
    );
  });

  it('says when the manager is down and the session is missing', () => {
    const text = renderStatus(
      {
        ...snapshot,
        manager: { running: false, pid: null, last_check_ms: null, last_check_at: null },
        session: { name: 'w', exists: false },
        workers: [],
        recent_log: [],
      },
      0,
    );
    expect(text).toContain('Manager: not running');
    expect(text).toContain('Session: w (missing)');
    expect(text).toContain('No workers in the pool.');
  });
});
