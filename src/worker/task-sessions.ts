import { join } from 'node:path';
import { z } from 'zod';
import { JsonFile } from '../core/json-store.js';
import type { DataPaths } from '../core/paths.js';

/**
 * `state/task-sessions.json`: the agent session of each queued task's latest attempt, kept with
 * the task (not the worker) so that whichever worker takes up a task handed back to the queue
 * (after a usage-limit pause, a stop) continues the same conversation in the same worktree.
 * An entry goes when its task is recorded as finished.
 */
const entrySchema = z.object({
  subissue: z.string(),
  session_id: z.string(),
  worker_id: z.number().int().positive(),
  updated_at: z.string(),
});
const fileSchema = z.object({ version: z.literal(1), tasks: z.record(entrySchema) });
type SessionsFile = z.infer<typeof fileSchema>;

export interface StoredSession {
  readonly sessionId: string;
  readonly workerId: number;
}

export class TaskSessions {
  private readonly file: JsonFile<SessionsFile>;

  constructor(
    paths: Pick<DataPaths, 'stateDir'>,
    lockStaleMs: number,
    private readonly now: () => Date,
  ) {
    this.file = new JsonFile<SessionsFile>({
      path: join(paths.stateDir, 'task-sessions.json'),
      schema: fileSchema,
      empty: () => ({ version: 1, tasks: {} }),
      lockStaleMs,
      now,
    });
  }

  /** `workerId`: the worker whose agent state (e.g. its CLAUDE_CONFIG_DIR) holds the session. */
  async remember(queueTaskId: string, subissue: string, session: StoredSession): Promise<void> {
    await this.file.update((draft) => {
      draft.tasks[queueTaskId] = {
        subissue,
        session_id: session.sessionId,
        worker_id: session.workerId,
        updated_at: this.now().toISOString(),
      };
    });
  }

  /** The session stored for the task, when it is the same sub-issue (queue ids may be reused). */
  async recall(queueTaskId: string, subissue: string): Promise<StoredSession | undefined> {
    const entry = (await this.file.read()).tasks[queueTaskId];
    return entry?.subissue === subissue ? { sessionId: entry.session_id, workerId: entry.worker_id } : undefined;
  }

  /** Drops the task's entry; a task without one (no agent session) costs a read, not a write. */
  async forget(queueTaskId: string): Promise<void> {
    if ((await this.file.read()).tasks[queueTaskId] === undefined) return;
    await this.file.update((draft) => {
      delete draft.tasks[queueTaskId];
    });
  }
}
