import { WorkersError } from '../core/errors.js';
import { createEventLog } from '../core/event-log.js';
import { createNotifier, type NotifyContext } from './notifications.js';

export interface SinkReport {
  readonly sink: string;
  readonly ok: boolean;
  readonly reason?: string;
}

/** `worker-manager notify-test`: one test event to every configured sink, now, each answered. */
export async function notifyTest(context: NotifyContext): Promise<SinkReport[]> {
  const notifier = createNotifier(context, createEventLog(context.paths.managerLog, context.paths.alertsLog, context.now));
  const reports = await notifier.sendNow([
    { kind: 'test', at: context.now().toISOString(), summary: 'hybrid-workers: a test notification (worker-manager notify-test).' },
  ]);
  if (reports.length === 0) {
    throw new WorkersError(
      'conflict',
      'No notification sink is configured: set NOTIFY_WEBHOOK_URL or NOTIFY_COMMAND, or NOTIFY_DESKTOP=true where notify-send is installed.',
    );
  }
  return reports;
}
