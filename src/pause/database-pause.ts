/**
 * The pool-wide pause in the shared database (WORKER_BACKEND=postgres): a usage limit one worker
 * sees pauses the workers of every host, and the change is notified (`hw_pause`) so they notice
 * at once. Whether a pause is in force is judged by the database's clock, never a host's.
 */
import type { Database } from '../adapters/postgres/database.js';
import {
  activeAt,
  nextPause,
  personHold,
  type PauseChoice,
  type PoolPause,
  type UsageLimitSeen,
  type UsagePauseRecord,
} from './usage-pause.js';

interface PauseRow {
  paused_until: Date;
  resets_at: Date | null;
  limit_type: string | null;
  set_at: Date;
  host: string;
  worker: string;
  reason: string;
}

/** Serialises changes of the pause across hosts: 'hw' 'ps' as a 64-bit key. */
const PAUSE_LOCK = 0x6877_7073;

const toRecord = (row: PauseRow): UsagePauseRecord => ({
  until: row.paused_until.toISOString(),
  resetsAt: row.resets_at === null ? null : row.resets_at.toISOString(),
  limitType: row.limit_type,
  setAt: row.set_at.toISOString(),
  source: `${row.host}/${row.worker}`,
  message: row.reason,
});

export class DatabasePause implements PoolPause {
  constructor(
    private readonly database: Pick<Database, 'query' | 'transaction'>,
    /** This host's name (WORKER_HOST): the pause says which host's worker set it. */
    private readonly host: string,
    private readonly choice: PauseChoice,
  ) {}

  pauseFor(seen: UsageLimitSeen): Promise<UsagePauseRecord> {
    return this.change((current, now) => nextPause(current, seen, now, this.choice));
  }

  holdForPerson(seen: { readonly source: string; readonly message: string }): Promise<UsagePauseRecord> {
    return this.change((_current, now) => personHold(seen, now));
  }

  async current(): Promise<UsagePauseRecord | null> {
    const row = (await this.database.query<PauseRow>('SELECT * FROM hw_pause WHERE paused_until > now()')).rows[0];
    return row ? toRecord(row) : null;
  }

  async lift(): Promise<UsagePauseRecord | null> {
    const row = (
      await this.database.query<PauseRow & { active: boolean }>('DELETE FROM hw_pause RETURNING *, paused_until > now() AS active')
    ).rows[0];
    return row?.active ? toRecord(row) : null;
  }

  /** Reads the pause and the database's time under a lock, and writes what `decide` returns when it differs. */
  private change(decide: (current: UsagePauseRecord | null, now: Date) => UsagePauseRecord): Promise<UsagePauseRecord> {
    return this.database.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [PAUSE_LOCK]);
      const now = (await client.query<{ now: Date }>('SELECT now() AS now')).rows[0]!.now;
      const row = (await client.query<PauseRow>('SELECT * FROM hw_pause')).rows[0];
      const current = row ? toRecord(row) : null;
      const next = decide(activeAt(current, now), now);
      if (next === current) return current;
      const [host, worker] = next.source.includes('/') ? next.source.split('/', 2) : [this.host, next.source];
      await client.query(
        `INSERT INTO hw_pause (paused_until, resets_at, limit_type, set_at, host, worker, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (singleton) DO UPDATE SET paused_until = $1, resets_at = $2, limit_type = $3, set_at = $4, host = $5, worker = $6, reason = $7`,
        [next.until, next.resetsAt, next.limitType, next.setAt, host, worker, next.message],
      );
      return { ...next, source: `${host}/${worker}` };
    });
  }
}
