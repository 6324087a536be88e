import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensureDirSync } from '../core/fs-safe.js';
import { taskEnvironment } from '../agent/agent-adapter.js';
import { inheritedNames } from '../agent/agent-environment.js';
import { inheritedEnv } from '../core/agent-env.js';
import { readLastLines } from '../core/log-tail.js';
import { factsOf, runOutputFile, type Runtime } from './runtime.js';
import { dropSandboxedRef, sandboxRun } from './sandbox.js';
import type { TaskState } from './worker-state.js';

/*
 * The project's own commands around the agent (docs/SPEC.md section 15.2): WORKER_SETUP_CMD once
 * per worktree before the agent, WORKER_VERIFY_CMD after it. Each runs by `sh -c` in the task's
 * worktree with the agent's environment, inside the task's sandbox when one is in use.
 */

export type ProjectCommandKind = 'setup' | 'verify';

export interface ProjectCommandResult {
  readonly passed: boolean;
  /** The end of what it printed (stdout and stderr together): where a failure usually says why. */
  readonly tail: string;
}

/** What of a failing command's output reaches a prompt and a pull request: its last lines, bounded. */
export const TAIL_LINES = 60;
export const TAIL_CHARS = 4000;

/** The last TAIL_LINES lines, at most TAIL_CHARS characters (the end kept). */
export function boundedTail(lines: readonly string[]): string {
  const text = lines.slice(-TAIL_LINES).join('\n');
  return text.length <= TAIL_CHARS ? text : `…${text.slice(-TAIL_CHARS)}`;
}

/** Where the command's output goes: beside the attempt's own output. */
export const projectCommandOutput = (rt: Runtime, ts: TaskState, kind: ProjectCommandKind) =>
  `${runOutputFile(rt, ts, ts.attempt)}.${kind}`;

/** Runs `command` for the task and waits for it (TASK_TIMEOUT at most: then its process group is killed). */
export async function runProjectCommand(
  rt: Runtime,
  ts: TaskState,
  kind: ProjectCommandKind,
  command: string,
): Promise<ProjectCommandResult> {
  const env = { ...taskEnvironment(factsOf(rt, ts)), TASK_KIND: kind };
  let run = { argv: ['sh', '-c', command], cwd: ts.worktree, env, inherit: inheritedNames([], rt.settings.AGENT_ENV_PASS) };
  // Setup fetches packages (SANDBOX_SETUP_HOSTS); verification reaches only SANDBOX_ALLOW_HOSTS.
  if (rt.sandbox) run = { ...run, argv: [...(await sandboxRun(rt, ts, run, kind)).argv] };
  const outputFile = projectCommandOutput(rt, ts, kind);
  ensureDirSync(dirname(outputFile));
  try {
    const exitCode = await spawnToFile(
      run.argv,
      run.cwd,
      { ...inheritedEnv(process.env, run.inherit), ...env },
      outputFile,
      // A worker told to stop now does not wait for a long test suite.
      { timeoutMs: rt.settings.TASK_TIMEOUT, stop: () => rt.control.aborting },
    );
    const tail = boundedTail(await readLastLines(outputFile, TAIL_LINES, 256 * 1024));
    return { passed: exitCode === 0, tail: exitCode === null ? `${tail}\n(stopped: TASK_TIMEOUT, or the worker stopping)`.trim() : tail };
  } finally {
    if (rt.sandbox) await dropSandboxedRef(rt, ts);
  }
}

const STOP_POLL_MS = 200;

/** The exit code, or null when the command was stopped (timeout, the worker stopping) or ended by a signal. */
function spawnToFile(
  argv: readonly string[],
  cwd: string,
  env: Record<string, string | undefined>,
  outputFile: string,
  limits: { readonly timeoutMs: number; readonly stop: () => boolean },
): Promise<number | null> {
  const fd = openSync(outputFile, 'w', 0o600);
  return new Promise((resolve, reject) => {
    // Its own process group, so that a stop takes the test runner's children too.
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', fd, fd], detached: true });
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    };
    const timer = setTimeout(kill, limits.timeoutMs);
    const watch = setInterval(() => {
      if (limits.stop()) kill();
    }, STOP_POLL_MS);
    let closed = false;
    const done = () => {
      clearTimeout(timer);
      clearInterval(watch);
      if (!closed) closeSync(fd);
      closed = true;
    };
    child.on('error', (error) => {
      done();
      reject(error);
    });
    child.on('close', (code) => {
      done();
      resolve(code);
    });
  });
}
