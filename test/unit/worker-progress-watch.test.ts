import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { resolveSettings } from '../../src/core/settings.js';
import { ProgressWatch } from '../../src/worker/progress-watch.js';
import type { Runtime } from '../../src/worker/runtime.js';
import type { TaskState } from '../../src/worker/worker-state.js';
import { git, makeGitRepo } from '../helpers/git-repo.js';
import { describeWith } from '../helpers/requires.js';
import { makeTempDir } from '../helpers/temp.js';

function setup(env: Record<string, string> = {}) {
  const outputFile = join(makeTempDir('hw-progress-'), 'run.log');
  writeFileSync(outputFile, '');
  const worktree = makeGitRepo();
  let nowMs = Date.parse('2026-11-28T00:00:00Z');
  const progress: string[] = [];
  const statuses: string[] = [];
  const events: string[] = [];
  const rt = {
    workerId: 3,
    settings: resolveSettings({}, { PROGRESS_STALL_THRESHOLD: '10', ...env }),
    now: () => new Date(nowMs),
    heartbeat: { progress: (at: string) => progress.push(at), setStatus: (status: string) => statuses.push(status) },
    events: { log: async (level: string, message: string) => void events.push(`${level} ${message}`) },
  } as unknown as Runtime;
  const ts = { subissue: '42', output_file: outputFile, worktree } as TaskState;
  const watch = new ProgressWatch(rt, ts, nowMs);
  return { watch, outputFile, worktree, progress, statuses, events, advance: (ms: number) => (nowMs += ms) };
}

describeWith(['git'], 'ProgressWatch, the stall ladder', () => {
  it('takes output growth as progress; a silent run gets one ALERT and shows stalled at the threshold, and is to be stopped at twice it', async () => {
    const { watch, outputFile, progress, statuses, events, advance } = setup();
    appendFileSync(outputFile, '{"type":"system"}\n');
    advance(1000);
    expect(await watch.check()).toEqual({ stop: false });
    expect(progress).toEqual(['2026-11-28T00:00:01.000Z']);

    advance(9_999);
    await watch.check();
    expect(events).toEqual([]);
    advance(1);
    await watch.check();
    await watch.check();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(
      /^ALERT Worker 3: the agent on task 42 has shown no progress for 10s \(PROGRESS_STALL_THRESHOLD 10s\); it is stopped and retried at 20s/,
    );
    expect(statuses).toEqual(['stalled']);

    // Progress again clears the stall.
    appendFileSync(outputFile, '{"type":"assistant"}\n');
    expect(await watch.check()).toEqual({ stop: false });
    expect(statuses).toEqual(['stalled', 'working']);
    advance(19_999);
    expect((await watch.check()).stop).toBe(false);
    expect(events).toHaveLength(2);
    advance(1);
    const verdict = await watch.check();
    expect(verdict).toEqual({ stop: true, reason: 'no progress for 20s (2 x PROGRESS_STALL_THRESHOLD 10s): the attempt was stopped' });
  });

  it('takes files changing in the worktree as progress (an agent writing but printing nothing): it is never stopped as stalled', async () => {
    const { watch, worktree, progress, events, advance } = setup();
    await watch.check();
    for (let step = 1; step <= 6; step += 1) {
      advance(6_000);
      writeFileSync(join(worktree, 'generated.txt'), `step ${step}\n`.repeat(step));
      expect(await watch.check()).toEqual({ stop: false });
    }
    expect(progress).toHaveLength(6);
    expect(events).toEqual([]);
    // Nothing changes any more: the ladder runs as for a silent run.
    advance(10_000);
    await watch.check();
    expect(events).toHaveLength(1);
    advance(10_000);
    expect((await watch.check()).stop).toBe(true);
  });

  it('takes a new commit in the worktree as progress (a quiet command agent), and never stops with STALL_STOP_FACTOR 0', async () => {
    const { watch, worktree, progress, events, advance } = setup({ STALL_STOP_FACTOR: '0' });
    await watch.check();
    advance(8_000);
    git(worktree, '-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'work');
    await watch.check();
    expect(progress).toEqual(['2026-11-28T00:00:08.000Z']);
    advance(100_000);
    expect(await watch.check()).toEqual({ stop: false });
    expect(events).toHaveLength(1);
    expect(events[0]).not.toMatch(/stopped/);
  });
});
