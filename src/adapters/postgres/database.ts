/**
 * The toolkit's connection to PostgreSQL: a small bounded pool (POOL_SIZE per process) plus, for a
 * watcher, one listening connection. A dropped connection or a restarted server is survived by
 * retrying a statement with backoff for up to `retryMs`; after that the call fails with one sentence.
 */
import pg from 'pg';
import { databaseError, isConnectionLoss } from './database-errors.js';
import type { DatabaseTarget } from './database-url.js';

/** Connections one process holds at most for statements (a worker, a manager, a CLI call). */
export const POOL_SIZE = 2;
const BACKOFF_MS = [100, 200, 500, 1000, 2000];
/** Longer than any statement of the toolkit takes (they are single-row or bounded). */
const STATEMENT_TIMEOUT_MS = 15_000;

export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: readonly unknown[]): Promise<pg.QueryResult<R>>;
}

export class Database implements Queryable {
  private readonly pool: pg.Pool;

  constructor(
    readonly target: DatabaseTarget,
    private readonly retryMs = 30_000,
  ) {
    // allowExitOnIdle: a short CLI call exits when done instead of waiting for idle connections.
    // query_timeout: a statement sent just before a link went down waits on TCP's retransmission
    // backoff (minutes) after the link is back; timed out, its connection is dropped and the
    // statement retried on a new one.
    this.pool = new pg.Pool({
      ...target.config,
      max: POOL_SIZE,
      allowExitOnIdle: true,
      connectionTimeoutMillis: 10_000,
      query_timeout: STATEMENT_TIMEOUT_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    // An idle connection the server dropped: the pool replaces it on the next statement.
    this.pool.on('error', () => undefined);
  }

  get description(): string {
    return this.target.description;
  }

  async query<R extends pg.QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.retrying(() => this.pool.query<R>(text, values as unknown[]));
  }

  /** Runs `work` in one transaction on one connection; retried whole after a lost connection. */
  async transaction<T>(work: (client: Queryable) => Promise<T>): Promise<T> {
    return this.retrying(async () => {
      const client = await this.pool.connect();
      let broken: unknown;
      try {
        await client.query('BEGIN');
        const result = await work(client as Queryable);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        broken = isConnectionLoss(error) ? error : undefined;
        // A lost connection is dropped whole (the server rolls back); a ROLLBACK on it would only wait.
        if (broken === undefined) await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release(broken instanceof Error ? broken : undefined);
      }
    });
  }

  /** A dedicated connection (LISTEN); the caller ends it. */
  async connectClient(): Promise<pg.Client> {
    // Keepalive: a link that went away under an idle LISTEN connection is noticed, not waited on.
    const client = new pg.Client({
      ...this.target.config,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      throw databaseError(error, this.description);
    }
    return client;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async retrying<T>(attempt: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.retryMs;
    for (let tries = 0; ; tries += 1) {
      try {
        return await attempt();
      } catch (error) {
        if (!isConnectionLoss(error) || Date.now() >= deadline) throw databaseError(error, this.description);
        await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS[Math.min(tries, BACKOFF_MS.length - 1)]));
      }
    }
  }
}
