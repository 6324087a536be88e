import { WorkersError } from '../core/errors.js';

/** What every backend is built from (open-backend.ts fills it in). */
export interface BackendOptions {
  /** `<data root>/queue`: the backend's own files live here. */
  readonly queueDir: string;
  /** Base environment of every run (the agent gets this plus the RunSpec's env). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
  readonly lockStaleMs: number;
  /** Logs an ALERT (health log and alerts log) about the backend's own files. */
  readonly alert?: (message: string) => Promise<void>;
}

export const notFound = (id: string) => new WorkersError('not-found', `There is no task ${id} in the queue; see worker-queue list.`);
