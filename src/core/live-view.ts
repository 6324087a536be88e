import { setTimeout as sleep } from 'node:timers/promises';

export interface LiveViewOptions {
  /** Builds one frame. */
  readonly render: () => Promise<string>;
  readonly intervalMs: number;
  /** One frame and return: stdout is not a terminal, or --once. */
  readonly once: boolean;
  readonly write: (text: string) => void;
  readonly signal: AbortSignal;
}

/**
 * Redraws a frame in place every interval on a terminal (log-update); prints a single frame
 * otherwise, so `dashboard | cat` and cron never hang.
 */
export async function runLiveView(options: LiveViewOptions): Promise<void> {
  if (options.once) {
    const frame = await options.render();
    options.write(frame.endsWith('\n') ? frame : `${frame}\n`);
    return;
  }
  const { default: logUpdate } = await import('log-update');
  try {
    while (!options.signal.aborted) {
      logUpdate(await options.render());
      await sleep(options.intervalMs, undefined, { signal: options.signal }).catch(() => undefined);
    }
  } finally {
    logUpdate.done();
  }
}

/** An AbortSignal that fires on SIGINT or SIGTERM, for loops that should end cleanly. */
export function signalOnTermination(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return controller.signal;
}
