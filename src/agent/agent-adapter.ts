import type { RunSpec, TaskKind } from '../queue/backend.js';

/**
 * The seam between the worker and a coding agent. The worker owns the queue, the worktree, the
 * timeout and the retries; an adapter only says how to start one attempt and what a finished run
 * meant. The Claude Code agent (src/worker/claude-agent.ts) implements it over src/adapters/claude/.
 */

/** What the worker knows about the task when it starts an attempt. Ids are validated digit strings. */
export interface TaskFacts {
  /** The backend's task key. */
  readonly queueTaskId: string;
  readonly subissue: string;
  readonly parent: string;
  readonly workerId: number;
  readonly worktree: string;
  readonly branch: string;
  readonly baseBranch: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** How the previous attempt ended (`<class>: <message>`), when this one is a retry. */
  readonly previousFailure?: string;
  /** GitHub mode: the issue's title (one line) and its text as a fenced block of untrusted data. */
  readonly issue?: { readonly title: string; readonly data: string };
  /** The agent runs inside the sandbox (docs/SPEC.md section 15): it may build and run the tests. */
  readonly sandboxed?: boolean;
  /** WORKER_VERIFY_CMD, when set: the worker runs it after the agent, before the pull request. */
  readonly verifyCommand?: string;
  /** This round is to fix a failing WORKER_VERIFY_CMD: the round it failed in and the end of its output. */
  readonly verifyFailure?: { readonly rounds: number; readonly tail: string };
  /** A follow-up's kind (docs/SPEC.md section 14.3) and its fenced data (failing checks, review comments). */
  readonly kind?: TaskKind;
  readonly followUp?: string;
}

export interface AttemptOptions {
  /** Where the run's output goes (and where `interpret` reads it back). */
  readonly outputFile: string;
  /** The session of an earlier attempt, for adapters that can resume a conversation. */
  readonly resumeSessionId?: string;
  /** The worker whose agent state holds that session (agents with per-worker state, e.g. CLAUDE_CONFIG_DIR). */
  readonly resumeWorkerId?: number;
}

export interface PreparedRun {
  readonly run: RunSpec;
  /** The session this attempt runs under, stored in the worker state for a later resume. */
  readonly sessionId?: string;
}

export interface FinishedRun {
  /** Undefined when the runner's record of how the run ended is lost (a full disk): the output alone then tells. */
  readonly exitCode: number | undefined;
  readonly outputFile?: string;
}

/**
 * What the run itself says, before the worker looks at the branch. `finished` = the agent claims
 * success (exit 0 or its result says so); the worker then decides success or review from the
 * branch. `failed` carries the failure class; `retry: false` means retrying cannot help (e.g.
 * authentication). `usage_limit` may say when the limit resets.
 */
export type AgentVerdict =
  | ({ readonly kind: 'finished' } & AgentUsage)
  | ({
      readonly kind: 'failed';
      readonly errorClass: 'agent_error' | 'auth_error' | 'usage_limit' | 'max_turns';
      readonly message: string;
      readonly retry: boolean;
      readonly resetsAt?: string;
      /** The usage limit's kind, e.g. `five_hour`. */
      readonly limitType?: string;
      /** The attempt asked to resume a session the agent does not know: the next one starts afresh. */
      readonly resumeFailed?: boolean;
    } & AgentUsage);

/** Optional facts an agent reports; they go into the task's history record. */
export interface AgentUsage {
  readonly sessionId?: string;
  readonly costUsd?: number;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly numTurns?: number;
}

/** Reads a running attempt's output as it grows; a verdict ends the attempt before the run does. */
export interface RunWatcher {
  check(): Promise<AgentVerdict | undefined>;
}

export interface AgentAdapter {
  readonly name: string;
  prepare(facts: TaskFacts, options: AttemptOptions): PreparedRun;
  interpret(run: FinishedRun): Promise<AgentVerdict>;
  /** Optional: agents whose output can settle a run early (Claude Code's first 401 retry). */
  watch?(outputFile: string): RunWatcher;
}

/** The environment every agent gets: the task's facts, never spliced into a command string. */
export function taskEnvironment(facts: TaskFacts): Record<string, string> {
  return {
    TASK_ID: facts.subissue,
    SUBISSUE: facts.subissue,
    PARENT_ISSUE: facts.parent,
    WORKTREE: facts.worktree,
    WORKER_ID: String(facts.workerId),
    BRANCH: facts.branch,
    BASE_BRANCH: facts.baseBranch,
    QUEUE_TASK_ID: facts.queueTaskId,
    ATTEMPT: String(facts.attempt),
    ...(facts.kind ? { TASK_KIND: facts.kind } : facts.verifyFailure ? { TASK_KIND: 'fix-verify' } : {}),
  };
}
