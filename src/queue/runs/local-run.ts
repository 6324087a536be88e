/**
 * An attempt run as a detached process on this host, through the runner script and its run files
 * (run-files.ts). Shared by the backends that keep their own run records (embedded, postgres).
 */
import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { join } from 'node:path';
import { APPEND_FLAGS, ensureDirSync, openDataFileSync } from '../../core/fs-safe.js';
import { isRecordedProcessAlive, readStartTime } from '../../adapters/process.js';
import type { RunObservation, RunSpec } from '../backend.js';
import type { EmbeddedRun } from '../backends/embedded/embedded-store.js';
import { forgetRunOutcome, readRunResult, recordRunSpec, runFilesFor } from './run-files.js';
import { ensureRunnerScript, RUNNER_SHELL, runnerEnv } from './runner-script.js';

export interface LocalRunPlace {
  readonly queueDir: string;
  readonly runsDir: string;
  /** Base environment of the run (the RunSpec adds its own variables). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
}

/** Starts the run `key` and returns its record (pid, process group, start time). */
export async function startLocalRun(place: LocalRunPlace, key: string, run: RunSpec): Promise<EmbeddedRun> {
  const files = runFilesFor(place.runsDir, key);
  await forgetRunOutcome(files);
  const runner = await ensureRunnerScript(place.queueDir);
  const outputFile = run.outputFile ?? join(place.runsDir, `${key}.output.log`);
  ensureDirSync(place.runsDir);
  const words = await recordRunSpec(files, run, place.env);
  const output = openDataFileSync(outputFile, APPEND_FLAGS);
  let pid: number;
  try {
    pid = await new Promise<number>((resolve, reject) => {
      // Detached: its own process group, so it survives the worker and dies as one group.
      const child = spawn(RUNNER_SHELL, [runner, 'run', ...words], {
        detached: true,
        stdio: ['ignore', output, output],
        cwd: place.queueDir,
        env: runnerEnv(place.env),
      });
      child.once('error', reject);
      child.once('spawn', () => {
        child.unref();
        resolve(child.pid!);
      });
    });
  } finally {
    closeSync(output);
  }
  const startTime = readStartTime(pid) ?? '';
  return { key, pid, pgid: pid, startTime, startedAt: place.now().toISOString(), outputFile, killRequested: false };
}

/** However a run the user killed ended (a signal, an exit code of its own), it ended by the kill. */
const killedByUser = (run: { readonly killedByUser?: boolean | undefined }, ended: RunObservation): RunObservation =>
  run.killedByUser
    ? { state: 'killed', endedAt: ended.state === 'exited' || ended.state === 'killed' ? ended.endedAt : null, byUser: true }
    : ended;

export async function observeLocalRun(runsDir: string, run: EmbeddedRun): Promise<RunObservation> {
  const files = runFilesFor(runsDir, run.key);
  const result = await readRunResult(files);
  if (result) return killedByUser(run, result);
  if (isRecordedProcessAlive(run)) return { state: 'running', startedAt: run.startedAt };
  // The run may have written its result between the first read and the liveness check.
  const settled = await readRunResult(files);
  if (settled) return killedByUser(run, settled);
  return killedByUser(run, run.killRequested ? { state: 'killed', endedAt: null } : { state: 'lost' });
}

/** In progress until it has written its result: the runner may still be exiting just after that. */
export async function isLocalRunInProgress(runsDir: string, run: EmbeddedRun): Promise<boolean> {
  return (await observeLocalRun(runsDir, run)).state === 'running';
}
