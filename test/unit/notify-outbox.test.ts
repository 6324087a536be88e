import { describe, expect, it } from 'vitest';
import { afterAttempt, MAX_ATTEMPTS, type Delivery } from '../../src/notify/delivery.js';
import { detectEvents, taskEvent } from '../../src/notify/detect-events.js';
import { parseEventFilter, type NotifyEvent } from '../../src/notify/events.js';
import type { Observation, WorkerLook } from '../../src/notify/observation.js';
import { addToOutbox, takeDue, toMessage } from '../../src/notify/outbox.js';

const at = '2026-12-01T10:00:00.000Z';
const look = (workers: Record<string, Partial<WorkerLook>>, rest: Partial<Observation> = {}): Observation => ({
  workers: Object.fromEntries(
    Object.entries(workers).map(([id, w]) => [id, { health: 'healthy', restarts: 0, gave_up: false, stalled: false, task: 'none', ...w }]),
  ),
  pause: null,
  active_tasks: 0,
  ...rest,
});
const restarted = (worker: number): NotifyEvent => ({ kind: 'worker_restarted', at, worker, summary: `Worker ${worker} was restarted.` });

describe('notification events from two looks at the pool', () => {
  it('finds deaths, restarts, give-ups, stalls, pauses and a drained queue, and nothing when nothing changed', () => {
    const before = look({ 1: {}, 2: {}, 3: {}, 4: { task: '9' } }, { active_tasks: 2 });
    const after = look(
      { 1: { health: 'dead' }, 2: { restarts: 1 }, 3: { gave_up: true }, 4: { stalled: true, task: '9' } },
      { active_tasks: 0, pause: { kind: 'usage', until: at, message: 'limit' } },
    );
    expect(detectEvents(before, after, at).map((event) => [event.kind, event.worker])).toEqual([
      ['worker_dead', 1],
      ['worker_restarted', 2],
      ['worker_gave_up', 3],
      ['agent_stalled', 4],
      ['pool_paused', undefined],
      ['queue_drained', undefined],
    ]);
    expect(detectEvents(after, after, at)).toEqual([]);
    expect(detectEvents(after, look({}, { pause: null }), at).map((event) => event.kind)).toContain('pool_resumed');
    expect(detectEvents(look({}), look({}, { pause: { kind: 'auth', until: at, message: 'Not logged in' } }), at)[0]!.kind).toBe(
      'auth_hold',
    );
  });

  it('a worker first seen with restarts already counted is not news', () => {
    expect(detectEvents(look({}), look({ 7: { restarts: 4 } }), at)).toEqual([]);
  });

  it('turns failed and review tasks into events, keeping the title as data', () => {
    const task = { task_id: '12', parent: '3', worker_id: 2, error_class: 'agent_error', error: 'boom', title: '$(touch /tmp/x)' } as const;
    expect(taskEvent({ ...task, result: 'success' }, at)).toBeNull();
    expect(taskEvent({ ...task, result: 'failed' }, at)).toMatchObject({ kind: 'task_failed', task: '12', title: '$(touch /tmp/x)' });
    expect(taskEvent({ ...task, result: 'review' }, at)!.kind).toBe('task_review');
  });

  it('NOTIFY_EVENTS: all, a list, and an unknown name refused', () => {
    expect(parseEventFilter('all').size).toBe(18);
    expect([...parseEventFilter('worker_dead, task_failed')].sort()).toEqual(['task_failed', 'test', 'worker_dead']);
    expect(() => parseEventFilter('worker_dead,typo')).toThrow(/unknown event "typo"/);
  });
});

describe('the outbox', () => {
  it('coalesces events of one kind into one message once NOTIFY_COALESCE has passed since the first', () => {
    let outbox = addToOutbox([], [restarted(1), restarted(2)], 1000);
    outbox = addToOutbox(outbox, [restarted(3), restarted(4), restarted(5)], 5000);
    expect(takeDue(outbox, [], { nowMs: 10_999, coalesceMs: 10_000, perMinute: 10 }).due).toEqual([]);
    const { due, waiting } = takeDue(outbox, [], { nowMs: 11_000, coalesceMs: 10_000, perMinute: 10 });
    expect(waiting).toEqual([]);
    expect(due).toHaveLength(1);
    const message = toMessage(due[0]!, 11_000);
    expect(message.events.map((event) => event.worker)).toEqual([1, 2, 3, 4, 5]);
    expect(message.text).toMatch(/^5 worker restarted events: Worker 1 was restarted\. .* Worker 5 was restarted\. .*\(seen .* UTC\)$/);
    expect(toMessage(due[0]!, 99_000).id).toBe(message.id);
  });

  it('holds messages beyond the rate limit for the next minute', () => {
    const outbox = addToOutbox(
      [],
      [restarted(1), { ...restarted(2), kind: 'worker_dead' }, { ...restarted(3), kind: 'worker_gave_up' }],
      0,
    );
    const first = takeDue(outbox, [0, 0], { nowMs: 1000, coalesceMs: 0, perMinute: 3 });
    expect(first.due).toHaveLength(1);
    expect(first.waiting).toHaveLength(2);
    expect(takeDue(first.waiting, first.sentAt, { nowMs: 30_000, coalesceMs: 0, perMinute: 3 }).due).toHaveLength(0);
    expect(takeDue(first.waiting, first.sentAt, { nowMs: 61_000, coalesceMs: 0, perMinute: 3 }).due).toHaveLength(2);
  });

  it('retries a failing sink with doubling waits and drops it after MAX_ATTEMPTS', () => {
    let delivery: Delivery = {
      message: toMessage({ kind: 'test', first_at: 0, events: [restarted(1)] }, 0),
      sink: 'webhook',
      attempts: 0,
      next_at: 0,
    };
    const waits: number[] = [];
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt += 1) {
      const { next, dropped } = afterAttempt(delivery, { ok: false, reason: 'HTTP 500' }, 0);
      expect(dropped).toBe(false);
      waits.push(next!.next_at);
      delivery = next!;
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(afterAttempt(delivery, { ok: false, reason: 'HTTP 500' }, 0)).toEqual({ next: null, dropped: true });
    expect(afterAttempt(delivery, { ok: true }, 0)).toEqual({ next: null, dropped: false });
  });
});
