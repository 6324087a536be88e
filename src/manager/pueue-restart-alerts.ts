import { readStartedDaemon } from '../adapters/pueue/started-daemon.js';
import type { EventLog } from '../core/event-log.js';

/**
 * Notices a Pueue daemon started again: whichever process of the pool found the daemon down
 * started a new one and noted its pid (queue/pueued-started.json). Runs the old daemon held were
 * killed with it; their workers record them as backend_error and run them again. The first look
 * only learns the current daemon; a user who restarts pueued by hand is not seen here.
 */
export function watchPueueRestarts(startedFile: string, log: EventLog): () => Promise<void> {
  let known: number | null | undefined;
  return async () => {
    const pid = readStartedDaemon(startedFile)?.pid ?? null;
    if (known === undefined || pid === null || pid === known) {
      if (pid !== null || known === undefined) known = pid;
      return;
    }
    const was = known === null ? '' : ` (was pid ${known})`;
    known = pid;
    await log.log(
      'ALERT',
      `The Pueue daemon was restarted as pid ${pid}${was}: the runs it held were killed, and their tasks are run again.`,
    );
  };
}
