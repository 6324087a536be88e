import { join } from 'node:path';
import { z } from 'zod';
import { JsonFile } from '../core/json-store.js';
import type { DataPaths } from '../core/paths.js';

/**
 * `state/task-sessions.json`: the agent session of each queued task's latest attempt, kept with
 * the task (not the worker) so that whichever worker takes up a task handed back to the queue
 * (after a usage-limit pause, a stop) continues the same conversation in the same worktree.
 * When its task is recorded as finished, an entry moves to `finished`, kept per sub-issue with the
 * worktree it ran in: a follow-up on the task's pull request (fix-ci, address-review) resumes that
 * conversation (docs/SPEC.md section 14.3). Claude keeps a session per project directory, so it is
 * only offered to a follow-up in the same worktree path.
 */
const entrySchema = z.object({
  subissue: z.string(),
  session_id: z.string(),
  worker_id: z.number().int().positive(),
  updated_at: z.string(),
});
const finishedSchema = entrySchema.extend({ worktree: z.string(), branch: z.string() });
const fileSchema = z.object({
  version: z.literal(1),
  tasks: z.record(entrySchema),
  /** Per sub-issue: the session of its latest finished task (added later: absent in older files). */
  finished: z.record(finishedSchema).default({}),
});
/** A finished task's session older than this is dropped: the CLI cleans its transcripts after 30 days by default. */
const FINISHED_KEPT_MS = 30 * 24 * 3600 * 1000;
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
      empty: () => ({ version: 1, tasks: {}, finished: {} }),
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

  /**
   * The task is finished: its entry goes, and its session is kept for the sub-issue's follow-ups,
   * scoped to the worktree and branch it ran in. A task without a session costs a read.
   */
  async retire(queueTaskId: string, place: { readonly worktree: string; readonly branch: string }): Promise<void> {
    if ((await this.file.read()).tasks[queueTaskId] === undefined) return;
    const cutoff = this.now().getTime() - FINISHED_KEPT_MS;
    await this.file.update((draft) => {
      const entry = draft.tasks[queueTaskId];
      delete draft.tasks[queueTaskId];
      if (entry) draft.finished[entry.subissue] = { ...entry, ...place, updated_at: this.now().toISOString() };
      for (const [subissue, kept] of Object.entries(draft.finished))
        if (Date.parse(kept.updated_at) < cutoff) delete draft.finished[subissue];
    });
  }

  /** The session of the sub-issue's latest finished task, when it ran in this worktree on this branch. */
  async recallFinished(
    subissue: string,
    place: { readonly worktree: string; readonly branch: string },
  ): Promise<StoredSession | undefined> {
    const entry = (await this.file.read()).finished[subissue];
    return entry?.worktree === place.worktree && entry.branch === place.branch
      ? { sessionId: entry.session_id, workerId: entry.worker_id }
      : undefined;
  }

  /** The agent no longer knows the sub-issue's finished session: no follow-up asks for it again. */
  async forgetFinished(subissue: string, sessionId: string): Promise<void> {
    if ((await this.file.read()).finished[subissue]?.session_id !== sessionId) return;
    await this.file.update((draft) => {
      if (draft.finished[subissue]?.session_id === sessionId) delete draft.finished[subissue];
    });
  }
}
