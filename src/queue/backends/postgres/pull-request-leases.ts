import type { Database } from '../../../adapters/postgres/database.js';
import type { PullRequestLeases } from '../../backend.js';

/*
 * One pull-request watcher per pull request across the fleet (docs/SPEC.md section 14.2): a row
 * per pull request names the watcher that acts on it until expires_at, by the database's clock.
 * Taking is one statement: a row that is free, expired or already ours becomes ours; two hosts
 * asking at once are serialised by the primary key, and only one gets a row back.
 */

const TAKE = `
  INSERT INTO hw_pull_request_leases (pr_key, holder, expires_at)
  VALUES ($1, $2, now() + $3 * interval '1 millisecond')
  ON CONFLICT (pr_key) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
  WHERE hw_pull_request_leases.holder = EXCLUDED.holder OR hw_pull_request_leases.expires_at < now()
  RETURNING holder`;

export function pullRequestLeasesOf(database: Database): PullRequestLeases {
  return {
    take: async (key, holder, ttlMs) => (await database.query(TAKE, [key, holder, ttlMs])).rows.length === 1,
    renew: async (holder, ttlMs) => {
      await database.query(
        "UPDATE hw_pull_request_leases SET expires_at = now() + $2 * interval '1 millisecond' WHERE holder = $1 AND expires_at >= now()",
        [holder, ttlMs],
      );
    },
  };
}
