/*
 * Node 20 reads and parses every certificate NODE_EXTRA_CA_CERTS names as it starts, before any
 * of our code runs, whether or not the process ever opens a TLS connection: with Debian's bundle
 * (144 certificates) 45 ms of CPU and 1.8 MiB per process (docs/PERFORMANCE.md, "The fifth
 * round"; Node 26 reads the file only when a connection needs it). Workers and the manager run
 * for hours and mostly wait, so the pool starts those that open no TLS connection of their own
 * with the variable empty, carried under CARRIED_NAME, and each puts it back first thing: the
 * agent (through AGENT_ENV_PASS), gh, git and project commands get it as they would have.
 */

export const CARRIED_NAME = 'HW_NODE_EXTRA_CA_CERTS';

/** The variables that start a process of ours without the extra certificates: none when it has none. */
export function carryExtraCaCerts(env: NodeJS.ProcessEnv): Record<string, string> {
  const file = env.NODE_EXTRA_CA_CERTS;
  return file === undefined || file === '' ? {} : { NODE_EXTRA_CA_CERTS: '', [CARRIED_NAME]: file };
}

/** Puts the carried variable back into this process's environment, for its children. */
export function restoreExtraCaCerts(env: NodeJS.ProcessEnv): void {
  const file = env[CARRIED_NAME];
  if (file === undefined) return;
  delete env[CARRIED_NAME];
  if (env.NODE_EXTRA_CA_CERTS === undefined || env.NODE_EXTRA_CA_CERTS === '') env.NODE_EXTRA_CA_CERTS = file;
}
