import { afterAll, beforeAll } from 'vitest';
import { startPostgresCluster, type PostgresCluster } from './postgres-cluster.js';

/** The test file's private cluster: started before its tests, stopped after them. */
export function usePrivateCluster(): () => PostgresCluster {
  let cluster: PostgresCluster | undefined;
  beforeAll(async () => {
    cluster = await startPostgresCluster();
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  return () => cluster!;
}
