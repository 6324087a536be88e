import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { getHeadCommit, getWorktreeStatus } from '../adapters/git.js';
import { formatDuration } from '../core/duration.js';
import type { Runtime } from './runtime.js';
import type { TaskState } from './worker-state.js';

/** What the watch tells the run's wait: go on, or stop the attempt as stalled (with why). */
export type ProgressVerdict = { readonly stop: false } | { readonly stop: true; readonly reason: string };

const GO_ON: ProgressVerdict = { stop: false };

/** A commit is looked for at most this often: it costs a git process, the output size a stat. */
const COMMIT_CHECK_MS = 1000;
/**
 * Changed files are looked at at most this often (a `git status` and a stat per changed file),
 * and at least four times per PROGRESS_STALL_THRESHOLD.
 */
const WORKTREE_CHECK_MS = 5000;

/**
 * Watches a running attempt for progress, the stall ladder's first two steps. Progress is the
 * agent's output growing (for Claude Code every stream-json event, a tool call or tool progress,
 * is a line of it; a command agent's output is what it prints), read by size alone so a verbose
 * stream costs one stat per poll, or a new commit in the worktree (a quiet command agent that
 * commits is making progress), or files changing in the worktree (an agent writing files while
 * printing nothing: the size and time of each file `git status` lists). Progress goes into the heartbeat (`last_progress_at`). A run alive
 * but silent for PROGRESS_STALL_THRESHOLD gets an ALERT and the worker shows `stalled`; at
 * STALL_STOP_FACTOR times the threshold the run is to be stopped (0: never).
 */
export class ProgressWatch {
  private size = 0;
  private head: string | undefined;
  private lastMs: number;
  private commitCheckedMs = Number.NEGATIVE_INFINITY;
  private changes: string | undefined;
  private changesCheckedMs = Number.NEGATIVE_INFINITY;
  private alerted = false;

  constructor(
    private readonly rt: Runtime,
    private readonly ts: TaskState,
    startedMs: number,
  ) {
    this.lastMs = startedMs;
  }

  async check(): Promise<ProgressVerdict> {
    const nowMs = this.rt.now().getTime();
    if ((await this.outputGrew()) || (await this.worktreeMoved(nowMs))) {
      this.lastMs = nowMs;
      this.rt.heartbeat.progress(new Date(nowMs).toISOString());
      if (this.alerted) this.rt.heartbeat.setStatus('working');
      this.alerted = false;
      return GO_ON;
    }
    const { PROGRESS_STALL_THRESHOLD: threshold, STALL_STOP_FACTOR: factor } = this.rt.settings;
    const silent = nowMs - this.lastMs;
    if (factor > 0 && silent >= factor * threshold) {
      return {
        stop: true,
        reason: `no progress for ${formatDuration(silent)} (${factor} x PROGRESS_STALL_THRESHOLD ${formatDuration(threshold)}): the attempt was stopped`,
      };
    }
    if (silent < threshold || this.alerted) return GO_ON;
    this.alerted = true;
    this.rt.heartbeat.setStatus('stalled');
    const next = factor > 0 ? `; it is stopped and retried at ${formatDuration(factor * threshold)}` : '';
    await this.rt.events.log(
      'ALERT',
      `Worker ${this.rt.workerId}: the agent on task ${this.ts.subissue} has shown no progress for ${formatDuration(silent)} (PROGRESS_STALL_THRESHOLD ${formatDuration(threshold)})${next}.`,
    );
    return GO_ON;
  }

  private async outputGrew(): Promise<boolean> {
    const size = this.ts.output_file
      ? await stat(this.ts.output_file).then(
          (info) => info.size,
          () => 0,
        )
      : 0;
    if (size <= this.size) return false;
    this.size = size;
    return true;
  }

  /**
   * A new commit, or the changed files' sizes and times differ from the last look (the first look
   * sets both). When the files are due, one `git status` answers both (the first look of every
   * run: a process fewer per task); in between, HEAD alone is asked.
   */
  private async worktreeMoved(nowMs: number): Promise<boolean> {
    if (nowMs - this.changesCheckedMs >= Math.min(WORKTREE_CHECK_MS, this.rt.settings.PROGRESS_STALL_THRESHOLD / 4)) {
      this.changesCheckedMs = nowMs;
      this.commitCheckedMs = nowMs;
      const status = await getWorktreeStatus(this.ts.worktree).catch(() => undefined);
      if (status === undefined) return false;
      const moved = this.headMoved(status.head);
      return (await this.filesChanged(status.paths)) || moved;
    }
    if (nowMs - this.commitCheckedMs < COMMIT_CHECK_MS) return false;
    this.commitCheckedMs = nowMs;
    return this.headMoved(await getHeadCommit(this.ts.worktree));
  }

  private async filesChanged(paths: readonly string[]): Promise<boolean> {
    const facts = await Promise.all(
      paths.map((path) =>
        stat(join(this.ts.worktree, path)).then(
          (info) => `${path}\0${info.size}\0${info.mtimeMs}`,
          () => `${path}\0gone`,
        ),
      ),
    );
    const changes = facts.join('\n');
    const changed = this.changes !== undefined && changes !== this.changes;
    this.changes = changes;
    return changed;
  }

  private headMoved(head: string): boolean {
    const moved = this.head !== undefined && head !== this.head;
    this.head = head;
    return moved;
  }
}
