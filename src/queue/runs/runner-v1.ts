import { writeFileAtomicSync } from '../../core/fs-safe.js';
import type { RunSpec } from '../backend.js';
import type { RunFiles } from './run-files.js';
import { ensureScript, runBaseEnv } from './runner-script.js';

/**
 * Version 1 of the runner, a node script reading a JSON spec: kept only for Pueue tasks added
 * before version 2, whose command (fixed at `pueue add`) still names it. Such a task gets its
 * JSON spec and this script; every other run goes through the sh runner (runner-script.ts).
 */
const RUNNER_V1_SOURCE = `// hybrid-workers queue runner v1 (generated; do not edit)
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

export const RUNNER_V1_FILE_NAME = 'queue-runner-v1.mjs';

export const ensureRunnerV1Script = (dir: string) => ensureScript(dir, RUNNER_V1_FILE_NAME, RUNNER_V1_SOURCE);

/** The JSON spec version 1 reads; the agent's env is the base env plus the run's own variables. */
export async function writeRunSpecV1(files: RunFiles, run: RunSpec, baseEnv: Readonly<Record<string, string | undefined>>): Promise<void> {
  const env = Object.fromEntries(
    Object.entries({ ...runBaseEnv(run, baseEnv), ...run.env }).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const spec = { argv: run.argv, cwd: run.cwd, env, resultFile: files.resultFile, pidFile: files.pidFile, outputFile: run.outputFile };
  writeFileAtomicSync(files.specV1File, JSON.stringify(spec));
}
