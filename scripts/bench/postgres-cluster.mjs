// The tests' private PostgreSQL cluster (test/helpers/postgres-cluster.ts) for the benchmarks: the
// helper is bundled with esbuild and imported, so tests and benchmarks start the server one way.
// The bundle goes under node_modules/.cache, where its packages (pg, execa) resolve.
import { build } from 'esbuild';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const PG_BIN = '/usr/lib/postgresql/15/bin';
export const postgresInstalled = existsSync(join(PG_BIN, 'initdb'));

async function clusterHelper() {
  const dir = join(ROOT, 'node_modules', '.cache', 'hw-bench');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `postgres-cluster-${process.pid}.mjs`);
  await build({
    entryPoints: [join(ROOT, 'test', 'helpers', 'postgres-cluster.ts')],
    outfile,
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(outfile, { force: true });
  }
}

/**
 * Runs `runBench(url)` against a fresh, migrated database of a private cluster; WORKERS_DATABASE_URL
 * is set to it meanwhile (the library reads it from the environment), and the cluster is removed after.
 */
export async function withPostgresDatabase(lib, runBench) {
  const { startPostgresCluster } = await clusterHelper();
  // fsync on: the embedded queue's writes are fsynced too, so the comparison is of durable commits.
  const cluster = await startPostgresCluster({ durable: true });
  try {
    const url = await cluster.createDatabase();
    process.env.WORKERS_DATABASE_URL = url;
    await (await import(lib)).migrateDatabase(process.env);
    return await runBench(url);
  } finally {
    delete process.env.WORKERS_DATABASE_URL;
    await cluster.stop();
  }
}
