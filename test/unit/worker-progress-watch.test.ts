import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/core/settings.js';
import { ProgressWatch } from '../../src/worker/progress-watch.js';
import type { Runtime } from '../../src/worker/runtime.js';
import type { TaskState } from '../../src/worker/worker-state.js';
import { makeTempDir } from '../helpers/temp.js';

function setup() {
  const outputFile = join(makeTempDir('hw-progress-'), 'run.log');
  writeFileSync(outputFile, '');
  let nowMs = Date.parse('2026-11-28T00:00:00Z');
  const progress: string[] = [];
  const events: string[] = [];
  const rt = {
    workerId: 3,
    settings: resolveSettings({}, { PROGRESS_STALL_THRESHOLD: '10' }),
    now: () => new Date(nowMs),
    heartbeat: { progress: (at: string) => progress.push(at) },
    events: { log: async (level: string, message: string) => void events.push(`${level} ${message}`) },
  } as unknown as Runtime;
  const ts = { subissue: '42', output_file: outputFile } as TaskState;
  const watch = new ProgressWatch(rt, ts, nowMs);
  return { watch, outputFile, progress, events, advance: (ms: number) => (nowMs += ms) };
}

describe('ProgressWatch', () => {
  it('takes output growth as progress for the heartbeat, and reports a silent run once with WARN, then ALERT at twice the threshold', async () => {
    const { watch, outputFile, progress, events, advance } = setup();
    appendFileSync(outputFile, '{"type":"system"}\n');
    advance(1000);
    await watch.check();
    expect(progress).toEqual(['2026-11-28T00:00:01.000Z']);

    advance(9_999);
    await watch.check();
    expect(events).toEqual([]);
    advance(1);
    await watch.check();
    await watch.check();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/^WARN Worker 3: the agent on task 42 has shown no progress for 10s/);
    advance(10_000);
    await watch.check();
    expect(events[1]).toMatch(/^ALERT Worker 3: the agent on task 42 has shown no progress for 20s/);

    // Progress again re-arms both reports.
    appendFileSync(outputFile, '{"type":"assistant"}\n');
    await watch.check();
    expect(progress).toHaveLength(2);
    advance(10_000);
    await watch.check();
    expect(events).toHaveLength(3);
  });
});
