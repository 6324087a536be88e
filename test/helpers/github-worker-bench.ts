import { existsSync, readFileSync } from 'node:fs';
import { makeGithubBench, type GithubBench } from './github-api/gh-env.js';
import type { ScriptedIssue } from './github-api/server.js';
import { runBin } from './run-bin.js';
import { waitFor } from './wait-for.js';
import { makeWorkerBench, type WorkerBench } from './worker-harness.js';

/** An embedded-queue worker bench in GitHub mode: the scripted GitHub, a bare origin, the fake agent. */
export interface GithubWorkerBench {
  readonly worker: WorkerBench;
  readonly github: GithubBench;
  /** A worker process's environment: the bench's settings, the agent's and gh's. */
  readonly env: Record<string, string>;
  queue(args: string[]): ReturnType<typeof runBin>;
  /** The fake agent's runs of `subissue`. */
  runsOf(subissue: string): number;
  history(): Record<string, unknown>[];
}

export async function makeGithubWorkerBench(
  issues: readonly ScriptedIssue[],
  overrides: Record<string, string> = {},
): Promise<GithubWorkerBench> {
  const worker = await makeWorkerBench('embedded', overrides);
  const github = await makeGithubBench({ issues }, worker.repo);
  const env = { ...worker.env, ...github.env };
  return {
    worker,
    github,
    env,
    queue: (args) => runBin('worker-queue', args, { home: worker.home, cwd: worker.repo, env }),
    runsOf: (subissue) => worker.starts().filter((start) => start.task === subissue).length,
    history: () =>
      existsSync(worker.paths.historyFile)
        ? readFileSync(worker.paths.historyFile, 'utf8')
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        : [],
  };
}

/** Waits until `count` tasks are finished and returns the last history record of `subissue`. */
export async function finishedRecord(bench: GithubWorkerBench, count: number, subissue: string): Promise<Record<string, unknown>> {
  await waitFor(() => bench.history().length >= count, { what: `${count} finished task(s)`, timeoutMs: 90_000 });
  return bench
    .history()
    .filter((record) => record.task_id === subissue)
    .at(-1)!;
}
