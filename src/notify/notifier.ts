import type { EventLog } from '../core/event-log.js';
import type { JsonFile } from '../core/json-store.js';
import { afterAttempt, type Delivery } from './delivery.js';
import { detectEvents, taskEvent } from './detect-events.js';
import type { NotifyEvent, NotifyKind } from './events.js';
import { historyEnd, readFinishedSince } from './history-tail.js';
import type { NotifyState } from './notify-state.js';
import type { Observation } from './observation.js';
import { addToOutbox, takeDue, toMessage } from './outbox.js';
import type { Sink } from './sinks.js';

export interface NotifierOptions {
  readonly state: JsonFile<NotifyState>;
  readonly sinks: readonly Sink[];
  readonly filter: ReadonlySet<NotifyKind>;
  readonly look: (now: Date) => Promise<Observation>;
  readonly historyFile: string;
  readonly log: EventLog;
  readonly now: () => Date;
  readonly coalesceMs: number;
  readonly perMinute: number;
}

/**
 * The one sender: each step looks at the pool, turns what changed into events, coalesces them by
 * kind, and delivers what is due, retrying a failing sink with backoff. Everything between steps
 * lives in notify/state.json, so a manager restart neither loses nor repeats a message (a manager
 * killed in the instant between a send and its record would send that one message again).
 */
export class Notifier {
  constructor(private readonly options: NotifierOptions) {}

  /** Runs one step; returns when the next one is due at the latest (ms since the epoch). */
  async step(): Promise<number | null> {
    const { state, filter } = this.options;
    const now = this.options.now();
    const saved = await state.read();
    const look = await this.options.look(now);
    const at = now.toISOString();
    let events: NotifyEvent[] = [];
    let offset: number;
    if (saved.look === null) {
      // A first look is the baseline: what is already the case, and the history so far, is not news.
      offset = await historyEnd(this.options.historyFile);
    } else {
      const finished = await readFinishedSince(this.options.historyFile, saved.history_offset);
      offset = finished.offset;
      events = [...detectEvents(saved.look, look, at), ...finished.tasks.flatMap((task) => taskEvent(task, at) ?? [])];
    }
    const wanted = events.filter((event) => filter.has(event.kind));
    const nowMs = now.getTime();
    const ready = await state.update((draft) => {
      draft.look = look;
      draft.history_offset = offset;
      const taken = takeDue(addToOutbox(draft.outbox, wanted, nowMs), draft.sent_at, {
        nowMs,
        coalesceMs: this.options.coalesceMs,
        perMinute: this.options.perMinute,
      });
      draft.outbox = taken.waiting;
      draft.sent_at = taken.sentAt;
      for (const group of taken.due) {
        const message = toMessage(group, nowMs);
        for (const sink of this.options.sinks) draft.deliveries.push({ message, sink: sink.name, attempts: 0, next_at: nowMs });
      }
      return draft.deliveries.filter((delivery) => delivery.next_at <= nowMs);
    });
    await this.deliver(ready);
    return this.nextDue(await state.read());
  }

  /** Sends a message to every sink once, now (notify-test). */
  async sendNow(events: readonly NotifyEvent[]): Promise<{ sink: string; ok: boolean; reason?: string }[]> {
    const message = toMessage(
      { kind: events[0]!.kind, first_at: this.options.now().getTime(), events: [...events] },
      this.options.now().getTime(),
    );
    return Promise.all(this.options.sinks.map(async (sink) => ({ sink: sink.name, ...(await sink.send(message)) })));
  }

  private async deliver(ready: readonly Delivery[]): Promise<void> {
    if (ready.length === 0) return;
    const outcomes = await Promise.all(
      ready.map(async (delivery) => {
        const sink = this.options.sinks.find((candidate) => candidate.name === delivery.sink);
        // A sink no longer configured (settings changed between manager runs) is not retried.
        if (sink === undefined)
          return { delivery, result: { ok: false, reason: 'the sink is no longer configured' } as const, next: null, dropped: true };
        const result = await sink.send(delivery.message);
        return { delivery, result, ...afterAttempt(delivery, result, this.options.now().getTime()) };
      }),
    );
    const key = (delivery: Delivery) => `${delivery.message.id} ${delivery.sink}`;
    const byKey = new Map(outcomes.map((outcome) => [key(outcome.delivery), outcome]));
    await this.options.state.update((draft) => {
      draft.deliveries = draft.deliveries.flatMap((delivery) => {
        const outcome = byKey.get(key(delivery));
        if (outcome === undefined) return [delivery];
        return outcome.next === null ? [] : [outcome.next];
      });
    });
    for (const { delivery, result, dropped } of outcomes) {
      const what = `${delivery.message.kind} notification ${delivery.message.id} to ${delivery.sink}`;
      if (result.ok) await this.options.log.log('INFO', `Sent the ${what}.`);
      else if (dropped)
        await this.options.log.log('ERROR', `Dropped the ${what} after ${delivery.attempts + 1} failed attempts (last: ${result.reason}).`);
      else await this.options.log.log('WARN', `Could not send the ${what} (${result.reason}); trying again.`);
    }
  }

  private nextDue(saved: NotifyState): number | null {
    const times = [
      ...saved.outbox.map((group) => group.first_at + this.options.coalesceMs),
      ...saved.deliveries.map((delivery) => delivery.next_at),
    ];
    return times.length === 0 ? null : Math.min(...times);
  }
}
