import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandAgent } from '../../src/agent/command-agent.js';
import { dataPaths, type DataPaths } from '../../src/core/paths.js';
import { resolveSettings, type Settings } from '../../src/core/settings.js';
import { HealthService } from '../../src/health/health-service.js';
import { FileTaskHistory } from '../../src/history/task-history-store.js';
import type { QueueBackend } from '../../src/queue/backend.js';
import { openQueueBackend } from '../../src/queue/open-backend.js';
import { WorkerControl, drainFile } from '../../src/worker/control.js';
import { runWorker } from '../../src/worker/worker-loop.js';
import { afterThisTest } from './after-test.js';
import { makeGitRepo } from './git-repo.js';
import { isolatedPueue, type IsolatedPueue } from './pueue-daemon.js';
import type { BackendName } from './requires.js';
import { makeTempDir } from './temp.js';

export const FAKE_AGENT = fileURLToPath(new URL('../fixtures/fake-agent.mjs', import.meta.url));

/** AGENT_ENV_PASS for the fake agent: the variables that tell it what to do and where to take notes. */
export const FAKE_AGENT_PASS = 'FAKE_AGENT_STATE_DIR,FAKE_AGENT_SCENARIO_FILE,FAKE_AGENT_SCENARIO';

/** The queue backends the worker's tests run against (describeEachBackend, itEachBackend: the pueue one needs Pueue). */
export { WORKER_BACKENDS, type BackendName } from './requires.js';

export interface WorkerBench {
  readonly home: string;
  readonly paths: DataPaths;
  readonly repo: string;
  /** The fake agent's notes (starts.log, pids.log, commits.log). */
  readonly agentDir: string;
  readonly scenarioFile: string;
  readonly backend: QueueBackend;
  readonly health: HealthService;
  readonly settings: Settings;
  /** The bench's own Pueue daemon (Pueue backend only). */
  readonly daemon: IsolatedPueue | undefined;
  /** Environment for a worker process (bin) run against the same data root and agent. */
  readonly env: Record<string, string>;
  setScenario(plan: { default?: string; tasks?: Record<string, string> }): void;
  startWorker(workerId: number): RunningWorker;
  /** Subissue ids in the order the agent started them. */
  starts(): { task: string; at: number; pid: number }[];
  commits(): string[];
}

export interface RunningWorker {
  readonly control: WorkerControl;
  readonly done: Promise<number>;
  readonly output: string[];
}

const readLines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

/** `dataRoot`: the data root on a disk of the test's choosing; the agent's notes then go elsewhere. */
export async function makeWorkerBench(
  backendName: BackendName,
  overrides: Record<string, string> = {},
  options: { readonly dataRoot?: string } = {},
): Promise<WorkerBench> {
  const home = options.dataRoot ?? makeTempDir('hw-worker-');
  const paths = dataPaths(home);
  const repo = makeGitRepo();
  const agentDir = join(options.dataRoot === undefined ? home : makeTempDir('hw-agent-'), 'agent');
  const scenarioFile = join(home, 'scenario.json');
  const settingsEnv = {
    HEARTBEAT_INTERVAL: '1',
    RETRY_DELAY: '100ms',
    TASK_TIMEOUT: '60',
    MAX_RETRIES: '3',
    AGENT_ENV_PASS: FAKE_AGENT_PASS,
    ...overrides,
  };
  const settings = resolveSettings({}, { ...settingsEnv, WORKER_BACKEND: backendName });
  const agentEnv: Record<string, string> = { FAKE_AGENT_STATE_DIR: agentDir, FAKE_AGENT_SCENARIO_FILE: scenarioFile };
  const daemon = backendName === 'pueue' ? isolatedPueue() : undefined;
  if (daemon) {
    afterThisTest(() => daemon.stop());
    await daemon.start();
    agentEnv.PUEUE_CONFIG_PATH = daemon.configPath;
  }
  const { backend } = await openQueueBackend({ paths, settings, env: { ...process.env, ...agentEnv } });
  const health = new HealthService({ paths, settings });
  const agentCommand = `"${process.execPath}" "${FAKE_AGENT}"`;
  writeFileSync(scenarioFile, JSON.stringify({ default: 'commit' }));
  return {
    home,
    paths,
    repo,
    agentDir,
    scenarioFile,
    backend,
    health,
    settings,
    daemon,
    env: { ...settingsEnv, ...agentEnv, CLAUDE_WORKERS_HOME: home, WORKER_BACKEND: backendName, WORKER_AGENT_CMD: agentCommand },
    setScenario: (plan) => writeFileSync(scenarioFile, JSON.stringify(plan)),
    startWorker: (workerId) =>
      startTestWorker({
        workerId,
        repo,
        backend,
        agent: commandAgent(agentCommand, { pass: settings.AGENT_ENV_PASS }),
        paths,
        settings,
        health,
        killGraceMs: 500,
      }),
    starts: () =>
      readLines(join(agentDir, 'starts.log')).map((line) => {
        const [task, at, pid] = line.split(' ');
        return { task: task!, at: Number(at), pid: Number(pid) };
      }),
    commits: () => readLines(join(agentDir, 'commits.log')),
  };
}

export interface TestWorkerOptions {
  readonly workerId: number;
  readonly repo: string;
  readonly backend: QueueBackend;
  readonly agent: Parameters<typeof runWorker>[0]['agent'];
  readonly paths: DataPaths;
  readonly settings: Settings;
  readonly health: HealthService;
  readonly killGraceMs: number;
  /** The sandbox the worker runs its agents in (default: none). */
  readonly sandbox?: Parameters<typeof runWorker>[0]['sandbox'];
}

/** Runs the real worker loop in this process on branch main, its output collected. */
export function startTestWorker(options: TestWorkerOptions): RunningWorker {
  const control = new WorkerControl(drainFile(options.paths, options.workerId));
  const output: string[] = [];
  const done = runWorker({
    ...options,
    history: new FileTaskHistory(options.paths.historyFile),
    baseBranch: 'main',
    control,
    now: () => new Date(),
    random: Math.random,
    say: (line) => output.push(line),
  });
  return { control, done, output };
}

/** Stops every worker a test started: the first request ends the attempt, the second requeues its task. */
export async function stopWorkers(running: RunningWorker[]): Promise<void> {
  for (const worker of running.splice(0)) {
    worker.control.requestStop();
    worker.control.requestStop();
    await worker.done.catch(() => undefined);
  }
}

/** A pid that no longer runs (a zombie waiting for its reaper counts as gone). */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /\)\s+Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
