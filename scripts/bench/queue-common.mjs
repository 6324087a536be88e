// Shared by the queue benchmarks: a queue backend opened through the built library, and an isolated
// Pueue daemon for the Pueue rows.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const pueueOnPath = (() => {
  try {
    execFileSync('pueue', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** `config`: backend, root (data root), group (Pueue), pueueConfigPath, host (WORKER_HOST, postgres). */
export async function openQueue(lib, config) {
  const { openQueueBackend, dataPaths, DEFAULT_SETTINGS } = await import(lib);
  const settings = {
    ...DEFAULT_SETTINGS,
    WORKER_BACKEND: config.backend,
    PUEUE_GROUP: config.group,
    ...(config.host ? { WORKER_HOST: config.host } : {}),
  };
  return (
    await openQueueBackend({
      paths: dataPaths(config.root),
      settings,
      env: process.env,
      ...(config.pueueConfigPath ? { pueueConfigPath: config.pueueConfigPath } : {}),
    })
  ).backend;
}

/** Runs `runBench(configPath)` against a Pueue daemon of its own (socket and state in a temp directory). */
export async function withPueueDaemon(runBench) {
  const dir = mkdtempSync('/tmp/pqb-');
  const configPath = join(dir, 'pueue.yml');
  writeFileSync(
    configPath,
    `shared:\n  pueue_directory: ${dir}\n  runtime_directory: ${dir}\n  unix_socket_path: ${dir}/pueue.sock\n  pid_path: ${dir}/pueue.pid\n  alias_file: ${dir}/pueue_aliases.yml\n  shared_secret_path: ${dir}/shared_secret\n  use_unix_socket: true\nclient:\n  show_confirmation_questions: false\ndaemon: {}\n`,
  );
  try {
    return await runBench(configPath);
  } finally {
    if (existsSync(join(dir, 'pueue.pid'))) execFileSync('pueue', ['-c', configPath, 'shutdown'], { stdio: 'ignore' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    rmSync(dir, { recursive: true, force: true });
  }
}
