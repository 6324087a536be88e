import { appendFileSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEventLog } from '../../src/core/event-log.js';
import { dataPaths } from '../../src/core/paths.js';
import { appendTaskHistory, type TaskHistoryRecord } from '../../src/history/task-history.js';
import { parseEventFilter } from '../../src/notify/events.js';
import { liveSinks } from '../../src/notify/notifications.js';
import { Notifier, type NotifierOptions } from '../../src/notify/notifier.js';
import { openNotifyState } from '../../src/notify/notify-state.js';
import type { Observation } from '../../src/notify/observation.js';
import { configuredSinks, type Sink } from '../../src/notify/sinks.js';
import type { NotifyMessage } from '../../src/notify/outbox.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { emptyManagerState, newWorkerEntry } from '../../src/health/manager-state.js';
import { emptyWorkerRecord, type Metrics, type WorkerRecord } from '../../src/health/metrics-schema.js';
import { buildHealthReport } from '../../src/health/report.js';
import { detectEvents } from '../../src/notify/detect-events.js';
import type { NotifyEvent } from '../../src/notify/events.js';
import { observe } from '../../src/notify/observe.js';
import { addToOutbox, toMessage } from '../../src/notify/outbox.js';

const NOW = new Date('2026-12-01T10:30:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const MINUTE = 60_000;
const record = (overrides: Partial<WorkerRecord>): WorkerRecord => ({ ...emptyWorkerRecord(), last_heartbeat: ago(1000), ...overrides });
const metricsOf = (workers: Record<string, WorkerRecord>) =>
  ({ version: 1, stats: { total_tasks: 0, successful_tasks: 0, failed_tasks: 0, restarts: 0 }, workers }) as unknown as Metrics;

describe('clean stops are not deaths (issue 25)', () => {
  // After `shutdown` and a setup with fewer workers: 1 and 2 run, 3..8 drained or retired long ago.
  const workers: Record<string, WorkerRecord> = {
    1: record({ status: 'idle' }),
    2: record({ status: 'working', current_task: '7', task_started_at: ago(MINUTE) }),
    ...Object.fromEntries([3, 4, 5, 6, 7, 8].map((id) => [id, record({ status: 'stopped', last_heartbeat: ago(40 * MINUTE) })])),
  };

  it('the health report counts workers stopped on purpose as stopped, none dead', () => {
    const report = buildHealthReport({ ...metricsOf(workers) }, NOW, DEFAULT_SETTINGS, [], 'h');
    expect(report.summary.by_health).toMatchObject({ healthy: 1, working: 1, stopped: 6, dead: 0 });
  });

  it('the notifier sends no worker_dead for a worker that stopped cleanly', async () => {
    const state = emptyManagerState();
    state.workers['1'] = newWorkerEntry();
    state.workers['2'] = newWorkerEntry();
    const sources = (m: Metrics) => ({
      metrics: async () => m,
      managerState: async () => state,
      pause: async () => null,
      activeTasks: async () => 1,
    });
    const before = await observe(
      sources(metricsOf(Object.fromEntries(Object.keys(workers).map((id) => [id, record({ status: 'idle' })])))),
      DEFAULT_SETTINGS,
      NOW,
    );
    const after = await observe(sources(metricsOf(workers)), DEFAULT_SETTINGS, NOW);
    expect(detectEvents(before, after, NOW.toISOString())).toEqual([]);
    // A worker killed without a word is still dead.
    const killed = await observe(
      sources(metricsOf({ ...workers, 1: record({ status: 'idle', last_heartbeat: ago(MINUTE) }) })),
      DEFAULT_SETTINGS,
      NOW,
    );
    expect(detectEvents(after, killed, NOW.toISOString()).map((event) => [event.kind, event.worker])).toEqual([['worker_dead', 1]]);
  });

  it('a worker seen dead twice within one message is listed once', () => {
    const dead = (worker: number): NotifyEvent => ({
      kind: 'worker_dead',
      at: NOW.toISOString(),
      worker,
      summary: `Worker ${worker} is dead.`,
    });
    let outbox = addToOutbox([], [dead(5), dead(7), dead(8)], 0);
    outbox = addToOutbox(outbox, [dead(7), dead(8)], 1000);
    expect(toMessage(outbox[0]!, 2000).events.map((event) => event.worker)).toEqual([5, 7, 8]);
  });
});

// --- Findings 2 to 6 of issue 25: what a message says, where it goes, and that it goes once.

const failed = (task: string, parent = '3', at = '2026-11-30T23:59:00.000Z'): TaskHistoryRecord => ({
  version: 1,
  task_id: task,
  parent,
  worker_id: 1,
  attempts: 1,
  started_at: at,
  ended_at: at,
  result: 'failed',
  error_class: 'timeout',
});

/** A Notifier on a temp data root, with a pool look the test sets and in-process sinks. */
function bench(
  options: {
    look?: () => Observation;
    sinks?: () => Sink[];
    deliveredParent?: NotifierOptions['deliveredParent'];
    coalesceMs?: number;
  } = {},
) {
  const root = makeTempDir();
  const paths = dataPaths(root);
  mkdirSync(dirname(paths.historyFile), { recursive: true });
  let clock = new Date('2026-12-01T10:00:00.000Z');
  const log = createEventLog(paths.managerLog, undefined, () => clock);
  const sent: NotifyMessage[] = [];
  const recorder: Sink = {
    name: 'recorder',
    send: async (message) => {
      sent.push(message);
      return { ok: true };
    },
  };
  const notifier = (sinks = options.sinks ?? (() => [recorder])) =>
    new Notifier({
      state: openNotifyState(paths, log, 5000),
      sinks,
      filter: parseEventFilter('all'),
      look: async () => options.look?.() ?? { workers: {}, pause: null, active_tasks: 1 },
      historyFile: paths.historyFile,
      log,
      now: () => clock,
      coalesceMs: options.coalesceMs ?? 0,
      perMinute: 100,
      ...(options.deliveredParent === undefined ? {} : { deliveredParent: options.deliveredParent }),
    });
  return {
    paths,
    sent,
    notifier,
    managerLog: () => readFileSync(paths.managerLog, 'utf8'),
    tick: (ms = 1000) => {
      clock = new Date(clock.getTime() + ms);
    },
  };
}

const quietLook = (rest: Partial<Observation> = {}): Observation => ({ workers: {}, pause: null, active_tasks: 1, ...rest });

describe('every message carries the time, the cause and the command (issue 25)', () => {
  it('a gave-up worker names why and `worker-manager restart N`; an auth hold names `worker-manager resume`; the time is in the text', () => {
    const before = quietLook({ workers: { 3: { health: 'healthy', restarts: 2, gave_up: false, stalled: false, task: 'none' } } });
    const after = quietLook({
      workers: {
        3: { health: 'dead', restarts: 2, gave_up: true, stalled: false, task: 'none', reason: 'its process exited with status 1' },
      },
      pause: { kind: 'auth', until: '', message: 'Invalid API key' },
    });
    const events = detectEvents(before, after, '2026-12-01T10:00:00.000Z');
    const gaveUp = events.find((event) => event.kind === 'worker_gave_up')!;
    expect(gaveUp).toMatchObject({ cause: 'its process exited with status 1', command: 'worker-manager restart 3' });
    const hold = events.find((event) => event.kind === 'auth_hold')!;
    expect(hold.summary).toMatch(/Invalid API key.*worker-manager resume/);
    expect(toMessage({ kind: 'auth_hold', first_at: 0, events: [hold] }, 0).text).toMatch(/\(seen 2026-12-01 10:00:00 UTC\)$/);
    expect(events.every((event) => event.cause !== undefined && event.command !== undefined)).toBe(true);
  });

  it('queue_drained says what finished, and is not sent once the queue has work again', async () => {
    let active = 2;
    const b = bench({ look: () => quietLook({ active_tasks: active }) });
    const notifier = b.notifier();
    await notifier.step(); // baseline
    appendFileSync(b.paths.historyFile, `${JSON.stringify(failed('41'))}\n`);
    active = 0;
    b.tick();
    await notifier.step();
    const drained = b.sent.find((message) => message.kind === 'queue_drained')!;
    expect(drained.text).toMatch(/drained.*0 tasks done, 0 in review, 1 failed.*Next: worker-queue status \(seen /);

    // With a coalescing window, new work before the window closes makes the message untrue: dropped.
    const slow = bench({ look: () => quietLook({ active_tasks: active }), coalesceMs: 10_000 });
    const late = slow.notifier();
    active = 1;
    await late.step();
    active = 0;
    slow.tick();
    await late.step();
    active = 6;
    slow.tick(20_000);
    await late.step();
    expect(slow.sent.map((message) => message.kind)).toEqual([]);
  });

  it('a parent whose sub-issues are all delivered gets one message listing its pull requests', async () => {
    const b = bench({
      deliveredParent: async (parent) =>
        parent === '3' ? { tasks: 2, pullRequests: ['https://github.com/o/r/pull/8', 'https://github.com/o/r/pull/9'] } : null,
    });
    const notifier = b.notifier();
    await notifier.step();
    appendFileSync(b.paths.historyFile, `${JSON.stringify({ ...failed('42'), result: 'success', error_class: null })}\n`);
    b.tick();
    await notifier.step();
    const message = b.sent.find((sent) => sent.kind === 'parent_delivered')!;
    expect(message.events[0]).toMatchObject({
      parent: '3',
      pull_requests: ['https://github.com/o/r/pull/8', 'https://github.com/o/r/pull/9'],
    });
    expect(message.text).toMatch(
      /Parent issue 3: all 2 sub-issues delivered \(https:\/\/github.com\/o\/r\/pull\/8, https:\/\/github.com\/o\/r\/pull\/9\)/,
    );
  });
});

describe('a sink added to config.json while the manager runs is used (issue 25)', () => {
  it('liveSinks reads config.json again when it changes', () => {
    const root = makeTempDir();
    const paths = dataPaths(root);
    const log = createEventLog(paths.managerLog, undefined);
    const sinks = liveSinks({ paths, settings: { ...DEFAULT_SETTINGS, NOTIFY_DESKTOP: 'false' }, env: {}, now: () => new Date() }, log);
    expect(sinks().map((sink) => sink.name)).toEqual([]);
    writeFileSync(paths.configFile, JSON.stringify({ NOTIFY_WEBHOOK_URL: 'http://127.0.0.1:9/hook', NOTIFY_DESKTOP: 'false' }));
    expect(sinks().map((sink) => sink.name)).toEqual(['webhook http://127.0.0.1:9']);
  });
});

describe('a rollover of the history loses no finished task (issue 25)', () => {
  it('reads the lines appended to the old file after the last look, then the new file from its start', async () => {
    const b = bench();
    const notifier = b.notifier();
    writeFileSync(b.paths.historyFile, `${JSON.stringify(failed('1'))}\n`);
    utimesSync(b.paths.historyFile, new Date('2026-11-30T23:00:00Z'), new Date('2026-11-30T23:00:00Z'));
    await notifier.step(); // baseline: task 1 is old news
    appendFileSync(b.paths.historyFile, `${JSON.stringify(failed('2'))}\n`);
    utimesSync(b.paths.historyFile, new Date('2026-11-30T23:59:00Z'), new Date('2026-11-30T23:59:00Z'));
    // The first record of December rolls tasks.jsonl over to tasks-2026-11.jsonl.
    await appendTaskHistory(b.paths.historyFile, failed('3', '3', '2026-12-01T00:00:01.000Z'), new Date('2026-12-01T00:00:01Z'));
    b.tick();
    await notifier.step();
    expect(b.sent.flatMap((message) => message.events.map((event) => event.task))).toEqual(['2', '3']);
  });
});

describe('a notify command cannot stall the sender (issue 25)', () => {
  it('a command that leaves a background child holding stderr is done when it exits', async () => {
    const [sink] = configuredSinks(
      { NOTIFY_WEBHOOK_URL: '', NOTIFY_COMMAND: "sh -c 'sleep 30 >&2 & exit 0'", NOTIFY_DESKTOP: 'false' },
      process.env,
    );
    const started = Date.now();
    const result = await sink!.send(
      toMessage({ kind: 'test', first_at: 0, events: [{ kind: 'test', at: new Date().toISOString(), summary: 't' }] }, 0),
    );
    expect(result).toEqual({ ok: true });
    expect(Date.now() - started).toBeLessThan(3000);
  }, 20_000);
});

describe('a manager killed mid-send does not send the message again (issue 25)', () => {
  it('the intent is on disk before the send; a new manager drops the cut-off delivery with a WARN', async () => {
    let active = 1;
    let attempts = 0;
    const hanging: Sink = {
      name: 'recorder',
      send: () => {
        attempts += 1;
        return new Promise(() => undefined); // the manager is killed before an answer comes
      },
    };
    const b = bench({ look: () => quietLook({ active_tasks: active }), sinks: () => [hanging] });
    await b.notifier().step();
    active = 0;
    b.tick();
    void b.notifier().step(); // killed: this step never ends
    await waitFor(() => attempts === 1, { what: 'the first send' });
    const restarted = b.notifier();
    b.tick(5000);
    await restarted.step();
    b.tick(5000);
    await restarted.step();
    expect(attempts).toBe(1);
    expect(b.managerLog()).toMatch(
      /queue_drained notification \w+ to recorder was being sent when the manager stopped; it may have arrived, so it is not sent again/,
    );
  });
});
