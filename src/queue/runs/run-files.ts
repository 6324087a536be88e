import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { errnoCode } from '../../core/errors.js';
import { readDataFileSync, writeFileAtomicSync, writeNewFileSync } from '../../core/fs-safe.js';
import type { RunObservation, RunSpec } from '../backend.js';
import type { ProcessIdentity } from '../../adapters/process.js';
import { runnerEnvironment, runnerWords } from './runner-script.js';

/**
 * The files of one run, all named after the task's run key inside the runs directory. The runner
 * is given the prefix and adds `.pid.json` and `.result.json` itself (runner-script.ts).
 */
export interface RunFiles {
  readonly prefix: string;
  /**
   * The words of the runner's `run` mode, NUL-separated: what a Pueue task's runner reads, and
   * for the embedded backend a record of what the run was given.
   */
  readonly specFile: string;
  /** The agent's environment, which the runner reads and removes at once (runner-script.ts); always a new file. */
  readonly envFile: string;
  /** The JSON spec of a Pueue task added for runner version 1 (runner-v1.ts). */
  readonly specV1File: string;
  readonly resultFile: string;
  readonly pidFile: string;
}

const RESULT_SUFFIX = '.result.json';

export function runFilesFor(runsDir: string, key: string): RunFiles {
  const prefix = join(runsDir, key);
  return {
    prefix,
    specFile: `${prefix}.spec`,
    envFile: `${prefix}.env`,
    specV1File: `${prefix}.spec.json`,
    resultFile: `${prefix}${RESULT_SUFFIX}`,
    pidFile: `${prefix}.pid.json`,
  };
}

/** A file name in the runs directory that is a run's result. */
export const isRunResultName = (name: string) => name.endsWith(RESULT_SUFFIX);

const specText = (words: readonly string[]) => words.map((word) => `${word}\0`).join('');

/** Stores the runner's words and environment for a run Pueue starts later (`sh RUNNER spec SPEC`). */
export async function writeRunSpec(files: RunFiles, run: RunSpec, baseEnv: Readonly<Record<string, string | undefined>>): Promise<void> {
  const words = runnerWords(files.prefix, run.outputFile ?? '', run);
  writeNewFileSync(files.envFile, runnerEnvironment(run, baseEnv));
  writeFileAtomicSync(files.specFile, specText(words));
}

/**
 * Writes the environment of a run the embedded backend starts at once, and keeps its words in the
 * spec file for a person (or a test) asking what the run was given. The runner reads the
 * environment only after this returns, and nothing reads either after a crash, so both are
 * written plainly (each a new file, no link followed): no sync, no rename. Returns the words to start the runner with.
 */
export async function recordRunSpec(
  files: RunFiles,
  run: RunSpec,
  baseEnv: Readonly<Record<string, string | undefined>>,
): Promise<string[]> {
  // The run's output file is the runner's stdout and stderr, so the runner keeps its own ('').
  const words = runnerWords(files.prefix, '', run);
  writeNewFileSync(files.envFile, runnerEnvironment(run, baseEnv));
  writeNewFileSync(files.specFile, specText(words));
  return words;
}

/** Drops what a previous attempt's runner recorded, keeping the spec. */
export const forgetRunOutcome = async (files: RunFiles) => {
  await rm(files.resultFile, { force: true });
  await rm(files.pidFile, { force: true });
};

export const removeRunFiles = async ({ prefix: _prefix, ...files }: RunFiles) => {
  await Promise.all(Object.values(files).map((file) => rm(file, { force: true })));
};

/** Version 2 leaves the end time to the file's mtime (no `date` process after every run). */
const resultSchema = z.object({ exitCode: z.number().int().nullable(), signal: z.string().nullable(), endedAt: z.string().optional() });
const pidSchema = z.object({ pid: z.number().int().positive(), pgid: z.number().int().positive(), startTime: z.string() });

async function readJson<T>(path: string, schema: z.ZodType<T>): Promise<T | undefined> {
  try {
    const parsed = schema.safeParse(JSON.parse(readDataFileSync(path)));
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
  const endedAt =
    result.endedAt ??
    (await stat(files.resultFile).then(
      (info) => info.mtime.toISOString(),
      () => undefined,
    ));
  // Removed meanwhile: a new attempt is starting, this result is not its.
  if (endedAt === undefined) return undefined;
  if (result.signal !== null || result.exitCode === null) return { state: 'killed', endedAt };
  return { state: 'exited', exitCode: result.exitCode, endedAt };
}
