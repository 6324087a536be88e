import type { EventLog } from '../core/event-log.js';
import type { JsonFile } from '../core/json-store.js';
import { afterAttempt, type Delivery } from './delivery.js';
import { detectEvents, parentDeliveredEvent, taskEvent, type FinishedCounts } from './detect-events.js';
import type { NotifyEvent, NotifyKind } from './events.js';
import { historyEnd, readFinishedSince, type HistoryPosition } from './history-tail.js';
import type { NotifyState } from './notify-state.js';
import type { FinishedTask, Observation } from './observation.js';
import { addToOutbox, takeDue, toMessage } from './outbox.js';
import { detectPullEvents } from './pull-events.js';
import type { Sink } from './sinks.js';

/** A parent whose sub-issues are all done: how many, and the pull requests they ended in. */
export interface DeliveredParent {
  readonly tasks: number;
  readonly pullRequests: readonly string[];
}

export interface NotifierOptions {
  readonly state: JsonFile<NotifyState>;
  /** Asked on every step: the settings may have changed since (config.json is watched). */
  readonly sinks: () => readonly Sink[];
  readonly filter: ReadonlySet<NotifyKind>;
  readonly look: (now: Date) => Promise<Observation>;
  readonly historyFile: string;
  readonly log: EventLog;
  readonly now: () => Date;
  readonly coalesceMs: number;
  readonly perMinute: number;
  /** null while some sub-issue of the parent is not done (or the queue cannot be asked). */
  readonly deliveredParent?: (parent: string) => Promise<DeliveredParent | null>;
  /** AUTO_MERGE is on: a ready pull request's message says the pool merges it. */
  readonly autoMerge?: boolean;
}

const addFinished = (counts: FinishedCounts, tasks: readonly FinishedTask[]): FinishedCounts => ({
  success: counts.success + tasks.filter((task) => task.result === 'success').length,
  review: counts.review + tasks.filter((task) => task.result === 'review' || task.result === 'unverified').length,
  failed: counts.failed + tasks.filter((task) => task.result === 'failed').length,
});

/**
 * The one sender: each step looks at the pool, turns what changed into events, coalesces them by
 * kind, and delivers what is due, retrying a failing sink with backoff. Everything between steps
 * lives in notify/state.json, so a manager restart neither loses nor repeats a message: each
 * attempt is recorded as started just before it and as done just after, and a delivery a new
 * manager finds started was cut off by a kill mid-send and is not sent again (at most once; the
 * message `id` is also a key a receiver can deduplicate on).
 */
export class Notifier {
  private recovered = false;

  constructor(private readonly options: NotifierOptions) {}

  /** Runs one step; returns when the next one is due at the latest (ms since the epoch). */
  async step(): Promise<number | null> {
    const { state, filter } = this.options;
    if (!this.recovered) await this.dropCutOff();
    const now = this.options.now();
    const saved = await state.read();
    const look = await this.options.look(now);
    const at = now.toISOString();
    let events: NotifyEvent[] = [];
    let position: HistoryPosition;
    let finished: FinishedCounts = saved.finished;
    if (saved.look === null) {
      // A first look is the baseline: what is already the case, and the history so far, is not news.
      position = await historyEnd(this.options.historyFile);
    } else {
      const read = await readFinishedSince(this.options.historyFile, {
        offset: saved.history_offset,
        ...(saved.history_ino === undefined ? {} : { ino: saved.history_ino }),
      });
      position = { offset: read.offset, ...(read.ino === undefined ? {} : { ino: read.ino }) };
      finished = addFinished(saved.finished, read.tasks);
      events = [
        ...detectEvents(saved.look, look, at, finished),
        ...read.tasks.flatMap((task) => taskEvent(task, at) ?? []),
        ...(await this.deliveredParents(read.tasks, at)),
        ...(await this.pullEvents(saved.look, look, at)),
      ];
      if (events.some((event) => event.kind === 'queue_drained')) finished = { success: 0, review: 0, failed: 0 };
    }
    const wanted = events.filter((event) => filter.has(event.kind));
    const nowMs = now.getTime();
    const sinks = this.options.sinks();
    const ready = await state.update((draft) => {
      draft.look = look;
      draft.history_offset = position.offset;
      if (position.ino === undefined) delete draft.history_ino;
      else draft.history_ino = position.ino;
      draft.finished = finished;
      // A drained queue that has work again by the time its message is due is no longer true.
      const outbox =
        look.active_tasks !== null && look.active_tasks > 0 ? draft.outbox.filter((group) => group.kind !== 'queue_drained') : draft.outbox;
      const taken = takeDue(addToOutbox(outbox, wanted, nowMs), draft.sent_at, {
        nowMs,
        coalesceMs: this.options.coalesceMs,
        perMinute: this.options.perMinute,
      });
      draft.outbox = taken.waiting;
      draft.sent_at = taken.sentAt;
      for (const group of taken.due) {
        const message = toMessage(group, nowMs);
        for (const sink of sinks) draft.deliveries.push({ message, sink: sink.name, attempts: 0, next_at: nowMs });
      }
      const due = draft.deliveries.filter((delivery) => delivery.next_at <= nowMs);
      // The intent, on disk before any byte leaves: see the class comment.
      draft.deliveries = draft.deliveries.map((delivery) => (due.includes(delivery) ? { ...delivery, sending_since: nowMs } : delivery));
      return due;
    });
    await this.deliver(ready, sinks);
    return this.nextDue(await state.read());
  }

  /** Forgets the last look: the next step takes the pool and the history as they are then. */
  async rebaseline(): Promise<void> {
    await this.options.state.update((draft) => {
      draft.look = null;
    });
  }

  /** Sends a message to every sink once, now (notify-test). */
  async sendNow(events: readonly NotifyEvent[]): Promise<{ sink: string; ok: boolean; reason?: string }[]> {
    const message = toMessage(
      { kind: events[0]!.kind, first_at: this.options.now().getTime(), events: [...events] },
      this.options.now().getTime(),
    );
    return Promise.all(this.options.sinks().map(async (sink) => ({ sink: sink.name, ...(await sink.send(message)) })));
  }

  /** Deliveries a killed manager had started: they may have arrived, so they are not sent again. */
  private async dropCutOff(): Promise<void> {
    const cut = await this.options.state.update((draft) => {
      const found = draft.deliveries.filter((delivery) => delivery.sending_since !== undefined);
      draft.deliveries = draft.deliveries.filter((delivery) => delivery.sending_since === undefined);
      return found;
    });
    this.recovered = true;
    for (const delivery of cut) {
      await this.options.log.log(
        'WARN',
        `The ${delivery.message.kind} notification ${delivery.message.id} to ${delivery.sink} was being sent when the manager stopped; it may have arrived, so it is not sent again.`,
      );
    }
  }

  /** A parent_ready is kept only when every sub-issue of the parent is done (not only those with a pull request). */
  private async pullEvents(before: Observation, now: Observation, at: string): Promise<NotifyEvent[]> {
    const events = detectPullEvents(before.pulls, now.pulls, at, this.options.autoMerge ?? false);
    const ask = this.options.deliveredParent;
    const kept: NotifyEvent[] = [];
    for (const event of events) {
      if (event.kind === 'parent_ready' && ask !== undefined && (await ask(event.parent!).catch(() => null)) === null) continue;
      kept.push(event);
    }
    return kept;
  }

  private async deliveredParents(tasks: readonly FinishedTask[], at: string): Promise<NotifyEvent[]> {
    const ask = this.options.deliveredParent;
    if (ask === undefined) return [];
    const parents = [...new Set(tasks.filter((task) => task.result === 'success').map((task) => task.parent))];
    const events: NotifyEvent[] = [];
    for (const parent of parents) {
      const delivered = await ask(parent).catch(() => null);
      if (delivered !== null) events.push(parentDeliveredEvent(parent, delivered.pullRequests, delivered.tasks, at));
    }
    return events;
  }

  private async deliver(ready: readonly Delivery[], sinks: readonly Sink[]): Promise<void> {
    if (ready.length === 0) return;
    const outcomes = await Promise.all(
      ready.map(async (delivery) => {
        const sink = sinks.find((candidate) => candidate.name === delivery.sink);
        // A sink no longer configured (the settings changed) is not retried.
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
