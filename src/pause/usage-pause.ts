import { join } from 'node:path';
import { z } from 'zod';
import { JsonFile } from '../core/json-store.js';
import type { DataPaths } from '../core/paths.js';

/**
 * The pool-wide pause after a usage limit: the plan quota is shared by every worker on the
 * account, so one worker's limit stops dispatch for all until the reset (docs/CLAUDE-CODE.md section 5). It
 * lives in the data root so a manager or worker started later honours it too.
 */
const pauseSchema = z.object({
  /** Dispatch resumes at this instant: the reset plus jitter, so workers do not all start at once. */
  until: z.string().datetime(),
  /** The reset the CLI reported, when it reported one. */
  resetsAt: z.string().datetime().nullable(),
  limitType: z.string().nullable(),
  setAt: z.string().datetime(),
  /** Who saw the limit, e.g. `worker-3` (in the shared database `host/worker-3`). */
  source: z.string(),
  message: z.string(),
});
export type UsagePauseRecord = z.infer<typeof pauseSchema>;

const fileSchema = z.object({ version: z.literal(1), pause: pauseSchema.nullable() });
type PauseFile = z.infer<typeof fileSchema>;

export interface UsageLimitSeen {
  /** Undefined when the CLI gave no reset time: then `fallbackMs` from now applies. */
  readonly resetsAt?: Date;
  readonly limitType?: string;
  readonly source: string;
  readonly message: string;
}

export interface UsagePauseOptions {
  readonly paths: Pick<DataPaths, 'stateDir'>;
  readonly now: () => Date;
  /** [0, 1); injected so tests are exact. */
  readonly random: () => number;
  /** USAGE_PAUSE_JITTER: at most this much is added to the reset time. */
  readonly jitterMaxMs: number;
  /** How long to pause when the limit came without a reset time. */
  readonly fallbackMs?: number;
  readonly lockStaleMs?: number;
}

export const usagePauseFile = (paths: Pick<DataPaths, 'stateDir'>) => join(paths.stateDir, 'usage-pause.json');

const DEFAULT_FALLBACK_MS = 15 * 60_000;
/** The limit type of a hold only a person can lift, and its (never reached) end. */
export const PERSON_HOLD = 'authentication';
const UNTIL_A_PERSON_ACTS = '9999-12-31T23:59:59.999Z';

/** The pool-wide pause, wherever it is kept: a file in the data root, or the shared database (postgres). */
export interface PoolPause {
  /**
   * Pauses the pool until the reset plus jitter. Several workers usually see the same limit: a
   * pause already running until at least this reset is kept as is (not re-jittered), a later
   * reset extends it. Returns the pause in force.
   */
  pauseFor(seen: UsageLimitSeen): Promise<UsagePauseRecord>;
  /**
   * Stops dispatch until a person acts (an authentication failure: no reset will fix it). Stored
   * as a pause with no end, so everything that honours or lifts a usage pause (the workers'
   * claim check, `worker-manager status` and `resume`) does the same for it.
   */
  holdForPerson(seen: { readonly source: string; readonly message: string }): Promise<UsagePauseRecord>;
  /** The pause in force now, or null (none, or it has run out). */
  current(): Promise<UsagePauseRecord | null>;
  /** Lifts the pause early (`worker-manager resume`). Returns the pause that was in force, if any. */
  lift(): Promise<UsagePauseRecord | null>;
}

export interface PauseChoice {
  readonly random: () => number;
  readonly jitterMaxMs: number;
  readonly fallbackMs?: number;
}

/** pauseFor's decision, the same for every store: the pause in force after `seen` at `now`. */
export function nextPause(current: UsagePauseRecord | null, seen: UsageLimitSeen, now: Date, choice: PauseChoice): UsagePauseRecord {
  const reset = seen.resetsAt ?? new Date(now.getTime() + (choice.fallbackMs ?? DEFAULT_FALLBACK_MS));
  const active = activeAt(current, now);
  if (active && Date.parse(active.resetsAt ?? active.until) >= reset.getTime()) return active;
  const until = new Date(Math.max(reset.getTime(), now.getTime()) + Math.floor(choice.random() * choice.jitterMaxMs));
  return {
    until: until.toISOString(),
    resetsAt: seen.resetsAt ? seen.resetsAt.toISOString() : null,
    limitType: seen.limitType ?? null,
    setAt: now.toISOString(),
    source: seen.source,
    message: seen.message,
  };
}

/** holdForPerson's record. */
export const personHold = (seen: { readonly source: string; readonly message: string }, now: Date): UsagePauseRecord => ({
  until: UNTIL_A_PERSON_ACTS,
  resetsAt: null,
  limitType: PERSON_HOLD,
  setAt: now.toISOString(),
  source: seen.source,
  message: seen.message,
});

/** The single-host store: `usage-pause.json` in the data root. */
export class UsagePause implements PoolPause {
  private readonly file: JsonFile<PauseFile>;

  constructor(private readonly options: UsagePauseOptions) {
    this.file = new JsonFile<PauseFile>({
      path: usagePauseFile(options.paths),
      schema: fileSchema,
      empty: () => ({ version: 1, pause: null }),
      now: options.now,
      ...(options.lockStaleMs === undefined ? {} : { lockStaleMs: options.lockStaleMs }),
    });
  }

  get path(): string {
    return this.file.path;
  }

  pauseFor(seen: UsageLimitSeen): Promise<UsagePauseRecord> {
    const now = this.options.now();
    return this.file.update((draft) => {
      draft.pause = nextPause(draft.pause, seen, now, this.options);
      return draft.pause;
    });
  }

  holdForPerson(seen: { readonly source: string; readonly message: string }): Promise<UsagePauseRecord> {
    const now = this.options.now();
    return this.file.update((draft) => {
      draft.pause = personHold(seen, now);
      return draft.pause;
    });
  }

  async current(): Promise<UsagePauseRecord | null> {
    const { pause } = await this.file.read();
    return activeAt(pause, this.options.now());
  }

  lift(): Promise<UsagePauseRecord | null> {
    const now = this.options.now();
    return this.file.update((draft) => {
      const was = activeAt(draft.pause, now);
      draft.pause = null;
      return was;
    });
  }
}

export function activeAt(pause: UsagePauseRecord | null, now: Date): UsagePauseRecord | null {
  return pause && Date.parse(pause.until) > now.getTime() ? pause : null;
}

/** "paused until <time> (<limit type>)", for status views. */
export const describePause = (pause: UsagePauseRecord) =>
  pause.limitType === PERSON_HOLD
    ? `paused until a person acts (authentication failure: log in, then worker-manager resume)`
    : `paused until ${pause.until}${pause.limitType ? ` (${pause.limitType})` : ''}`;
