import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/fs-safe.js';

/**
 * The trampoline that runs one attempt. Both backends start `node <runner> <spec file>`: it reads
 * the RunSpec the worker stored, records its pid, process group and start time, spawns the agent
 * with argv/cwd/env (never a shell string) in its own process group, and writes the exit code to
 * a result file, so the run and its outcome outlive the worker (and, for Pueue, the daemon).
 * With an output file in the spec the agent's stdout and stderr are appended to it directly (no
 * pipe through the runner, so the output survives the runner too): the worker reads a run's
 * output from the same place on every backend (Pueue's own log then holds only the runner's).
 * It is kept as plain JavaScript so the same file works from source, from dist, and under Pueue.
 */
const RUNNER_SOURCE = `// hybrid-workers queue runner v1 (generated; do not edit)
import { spawn } from 'node:child_process';
import { openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const save = (file, value) => {
  const temp = file + '.' + process.pid + '.tmp';
  writeFileSync(temp, JSON.stringify(value), { mode: 0o600 });
  renameSync(temp, file);
};
const stat = readFileSync('/proc/self/stat', 'utf8');
const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
save(spec.pidFile, { pid: process.pid, pgid: Number(fields[2]), startTime: fields[19] });
let child;
// The whole group gets a stop signal; stay alive until the agent is gone to record how it ended.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child?.kill(signal));
const output = spec.outputFile ? openSync(spec.outputFile, 'a', 0o600) : 'inherit';
child = spawn(spec.argv[0], spec.argv.slice(1), { cwd: spec.cwd, env: spec.env, stdio: ['ignore', output, output] });
child.on('error', (error) => {
  save(spec.resultFile, { exitCode: 127, signal: null, error: error.message, endedAt: new Date().toISOString() });
  process.exit(127);
});
child.on('exit', (code, signal) => {
  save(spec.resultFile, { exitCode: code, signal, endedAt: new Date().toISOString() });
  if (signal === null) process.exit(code ?? 1);
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
});
`;

export const RUNNER_FILE_NAME = 'queue-runner-v1.mjs';

/** Writes the runner into `dir` unless an identical copy is there; returns its path. */
export async function ensureRunnerScript(dir: string): Promise<string> {
  const path = join(dir, RUNNER_FILE_NAME);
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current !== RUNNER_SOURCE) await writeFileAtomic(path, RUNNER_SOURCE);
  return path;
}
