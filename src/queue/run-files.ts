import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { errnoCode } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs-safe.js';
import type { RunObservation, RunSpec } from './backend.js';
import { isProcessAlive, type ProcessIdentity } from './process-group.js';

/** The files of one run, all named after the task's run key inside the runs directory. */
export interface RunFiles {
  readonly specFile: string;
  readonly resultFile: string;
  readonly pidFile: string;
}

export const runFilesFor = (runsDir: string, key: string): RunFiles => ({
  specFile: join(runsDir, `${key}.spec.json`),
  resultFile: join(runsDir, `${key}.result.json`),
  pidFile: join(runsDir, `${key}.pid.json`),
});

/** Stores what the runner needs; the agent's env is the base env plus the run's own variables. */
export async function writeRunSpec(files: RunFiles, run: RunSpec, baseEnv: Readonly<Record<string, string | undefined>>): Promise<void> {
  await forgetRunOutcome(files);
  const env = Object.fromEntries(Object.entries({ ...baseEnv, ...run.env }).filter((entry): entry is [string, string] => entry[1] !== undefined));
  await writeFileAtomic(files.specFile, JSON.stringify({ argv: run.argv, cwd: run.cwd, env, resultFile: files.resultFile, pidFile: files.pidFile, outputFile: run.outputFile }));
}

/** Drops what a previous attempt's runner recorded, keeping the spec. */
export const forgetRunOutcome = async (files: RunFiles) => {
  await rm(files.resultFile, { force: true });
  await rm(files.pidFile, { force: true });
};

export const removeRunFiles = async (files: RunFiles) => {
  await Promise.all(Object.values(files).map((file) => rm(file, { force: true })));
};

const resultSchema = z.object({ exitCode: z.number().int().nullable(), signal: z.string().nullable(), endedAt: z.string() });
const pidSchema = z.object({ pid: z.number().int().positive(), pgid: z.number().int().positive(), startTime: z.string() });

async function readJson<T>(path: string, schema: z.ZodType<T>): Promise<T | undefined> {
  try {
    const parsed = schema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

export const readRunPid = (files: RunFiles): Promise<ProcessIdentity | undefined> => readJson(files.pidFile, pidSchema);

/** What the runner recorded: its exit code, or how it was killed; undefined while none. */
export async function readRunResult(files: RunFiles): Promise<RunObservation | undefined> {
  const result = await readJson(files.resultFile, resultSchema);
  if (result === undefined) return undefined;
  if (result.signal !== null || result.exitCode === null) return { state: 'killed', endedAt: result.endedAt };
  return { state: 'exited', exitCode: result.exitCode, endedAt: result.endedAt };
}

/** The runner's process (pid and start time both match) is still alive. */
export async function isRunnerAlive(files: RunFiles): Promise<ProcessIdentity | undefined> {
  const identity = await readRunPid(files);
  return identity !== undefined && (await isProcessAlive(identity)) ? identity : undefined;
}
