import type { HealthState } from '../health/classify.js';

/** What the notifier compares between two looks at the data root (kept on disk between manager runs). */
export interface WorkerLook {
  readonly health: HealthState;
  readonly restarts: number;
  readonly gave_up: boolean;
  readonly stalled: boolean;
  readonly task: string;
  /** The manager's last word on why it stopped (manager/state.json `last_reason`). */
  readonly reason?: string | null;
}

export interface Observation {
  readonly workers: Readonly<Record<string, WorkerLook>>;
  /** `usage` (a usage limit, until a time), `auth` (until a person acts), or none. */
  readonly pause: { readonly kind: 'usage' | 'auth'; readonly until: string; readonly message: string } | null;
  /** Queued plus claimed tasks; null when the queue could not be asked. */
  readonly active_tasks: number | null;
  /** Each budget set (budgetKey): how far it is spent, in words, and the command that raises it. */
  readonly budgets?: Readonly<Record<string, BudgetSeen>>;
  /** "waiting for reviews: N open PRs", or null (MAX_OPEN_PRS off or under it). */
  readonly reviews?: string | null;
  /** The pool's pull requests as the watcher last saw them, per task (absent: not looked at). */
  readonly pulls?: Readonly<Record<string, PullSeen>>;
}

export interface PullSeen {
  readonly parent: string;
  readonly pr_number: number;
  readonly pr_url: string;
  readonly state: string;
  /** What a person must act on, in words, or null. */
  readonly attention: string | null;
  /** Another host's manager acts on it and tells about it (a shared queue). */
  readonly elsewhere?: boolean;
}

export interface BudgetSeen {
  readonly level: 'ok' | 'warning' | 'reached';
  readonly text: string;
  readonly command: string;
}

/** A finished task read from the history since the last look. */
export interface FinishedTask {
  readonly task_id: string;
  readonly parent: string;
  readonly worker_id: number;
  readonly result: 'success' | 'review' | 'failed' | 'cancelled' | 'unverified';
  readonly error_class: string | null;
  readonly error: string | null;
  readonly title: string | null;
}
