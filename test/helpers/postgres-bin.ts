/**
 * PostgreSQL's server programs (Debian keeps them off PATH); the private clusters run them from
 * here. A module of its own, without vitest, because the benchmarks bundle the cluster helper
 * that reads it (scripts/bench/postgres-cluster.mjs).
 */
export const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';
