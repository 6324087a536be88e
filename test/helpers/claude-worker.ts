import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectAgent } from '../../src/worker/select-agent.js';
import { dataPaths, type DataPaths } from '../../src/core/paths.js';
import { resolveSettings, type Settings } from '../../src/core/settings.js';
import { taskHistoryRecordSchema, type TaskHistoryRecord } from '../../src/history/task-history.js';
import { HealthService } from '../../src/health/health-service.js';
import type { QueueBackend } from '../../src/queue/backend.js';
import { openQueueBackend } from '../../src/queue/open-backend.js';
import { taskPlace } from '../../src/worker/worktree.js';
import { afterThisTest } from './after-test.js';
import { makeGitRepo } from './git-repo.js';
import { credentialsFor, type Auth } from './messages-api/claude-run.js';
import type { Script } from './messages-api/script.js';
import { startMessagesApi, type MessagesApi } from './messages-api/server.js';
import { isolatedPueue, type IsolatedPueue } from './pueue-daemon.js';
import { testEnv } from './run-bin.js';
import { makeTempDir } from './temp.js';
import { startTestWorker, type BackendName, type RunningWorker } from './worker-harness.js';

/**
 * The real worker loop with WORKER_AGENT_CMD=claude: the real CLI, pointed at a scripted
 * Messages API on 127.0.0.1 with a fake key (or subscription token), a private HOME, and a data
 * root, repository and queue of its own.
 */
export interface ClaudeWorkerBench {
  readonly api: MessagesApi;
  readonly home: string;
  readonly paths: DataPaths;
  readonly repo: string;
  readonly backend: QueueBackend;
  readonly health: HealthService;
  readonly settings: Settings;
  /** The environment of a worker process (the built binary) on the same data root, queue and API. */
  readonly env: Record<string, string>;
  worktreeOf(subissue: string, parent: string): string;
  startWorker(workerId: number): RunningWorker;
  history(): TaskHistoryRecord[];
  /** The health log's lines. */
  events(): string[];
}

export interface ClaudeWorkerOptions {
  readonly backend?: BackendName;
  readonly auth?: Auth;
  readonly settings?: Record<string, string>;
  /** Extra environment for the CLI, e.g. CLAUDE_CODE_MAX_RETRIES. */
  readonly cliEnv?: Record<string, string>;
}

export async function makeClaudeWorkerBench(script: Script, options: ClaudeWorkerOptions = {}): Promise<ClaudeWorkerBench> {
  const api = await startMessagesApi(script);
  afterThisTest(() => api.close());
  const home = makeTempDir('hw-claude-worker-');
  const paths = dataPaths(join(home, 'data'));
  const repo = makeGitRepo();
  const settingsEnv = {
    WORKER_AGENT_CMD: 'claude',
    WORKER_BACKEND: options.backend ?? 'embedded',
    HEARTBEAT_INTERVAL: '1',
    RETRY_DELAY: '200ms',
    TASK_TIMEOUT: '120',
    MAX_RETRIES: '3',
    USAGE_PAUSE_JITTER: '500ms',
    CLAUDE_ALLOWED_TOOLS: 'Write,Bash(git *)',
    CLAUDE_CONFIG_DIR_TEMPLATE: join(home, 'claude-config', 'worker-{worker}'),
    ...options.settings,
  };
  const settings = resolveSettings({}, settingsEnv);
  const cliEnv: Record<string, string> = {
    HOME: join(home, 'home'),
    ANTHROPIC_BASE_URL: api.url,
    ...credentialsFor(options.auth ?? 'api-key'),
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    CLAUDE_CODE_DISABLE_AUTO_MEMORY: '1',
    ...options.cliEnv,
  };
  if (options.backend === 'pueue') {
    const daemon: IsolatedPueue = isolatedPueue();
    await daemon.start();
    afterThisTest(() => daemon.stop());
    cliEnv.PUEUE_CONFIG_PATH = daemon.configPath;
  }
  // Explicit, so no credential or setting of the developer's shell reaches the CLI or the worker.
  // The real claude runs inside the agent's sandbox wherever one can be made, as a user's would.
  const env = testEnv({ SANDBOX: 'auto', ...cliEnv });
  const { backend } = await openQueueBackend({ paths, settings, env });
  const health = new HealthService({ paths, settings });
  const readLines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
  return {
    api,
    home,
    paths,
    repo,
    backend,
    health,
    settings,
    env: { ...env, ...settingsEnv, CLAUDE_WORKERS_HOME: paths.root },
    worktreeOf: (subissue, parent) => taskPlace(repo, subissue, parent).worktree,
    startWorker(workerId) {
      const worker = startTestWorker({
        workerId,
        repo,
        backend,
        agent: selectAgent(settings, () => new Date()),
        paths,
        settings,
        health,
        killGraceMs: 1000,
      });
      const { control, done } = worker;
      afterThisTest(async () => {
        control.requestStop();
        control.requestStop();
        await done.catch(() => undefined);
      });
      return worker;
    },
    history: () => readLines(paths.historyFile).map((line) => taskHistoryRecordSchema.parse(JSON.parse(line))),
    events: () => readLines(paths.healthLog),
  };
}
