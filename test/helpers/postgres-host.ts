// One "host" of a shared postgres queue inside a test: its own data root, repository, WORKER_HOST
// and fake agent, real workers (the worker loop in this process) on the one database.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandAgent } from '../../src/agent/command-agent.js';
import { dataPaths, type DataPaths } from '../../src/core/paths.js';
import { resolveSettings, type Settings } from '../../src/core/settings.js';
import { HealthService } from '../../src/health/health-service.js';
import type { QueueBackend } from '../../src/queue/backend.js';
import { openQueueBackend } from '../../src/queue/open-backend.js';
import { migrateDatabase } from '../../src/adapters/postgres/shared-database.js';
import { makeGitRepo } from './git-repo.js';
import type { PostgresCluster } from './postgres-cluster.js';
import { makeTempDir } from './temp.js';
import { FAKE_AGENT, FAKE_AGENT_PASS, startTestWorker, type RunningWorker } from './worker-harness.js';

export interface PostgresHost {
  readonly name: string;
  readonly paths: DataPaths;
  readonly repo: string;
  readonly settings: Settings;
  readonly backend: QueueBackend;
  readonly health: HealthService;
  /** A worker process's environment for this host (the built binaries). */
  readonly env: Record<string, string>;
  setScenario(plan: { default?: string; tasks?: Record<string, string> }): void;
  startWorker(workerId: number): RunningWorker;
  alerts(): string;
}

export async function freshDatabase(cluster: PostgresCluster): Promise<string> {
  const url = await cluster.createDatabase();
  await migrateDatabase({ ...process.env, WORKERS_DATABASE_URL: url });
  return url;
}

export async function openPostgresHost(url: string, name: string, overrides: Record<string, string> = {}): Promise<PostgresHost> {
  const home = makeTempDir(`hw-host-${name}-`);
  const paths = dataPaths(home);
  const repo = makeGitRepo();
  const scenarioFile = join(home, 'scenario.json');
  writeFileSync(scenarioFile, JSON.stringify({ default: 'commit' }));
  const agentCommand = `"${process.execPath}" "${FAKE_AGENT}"`;
  const settingsEnv = {
    WORKER_BACKEND: 'postgres',
    WORKER_HOST: name,
    HEARTBEAT_INTERVAL: '500ms',
    RETRY_DELAY: '100ms',
    TASK_TIMEOUT: '60',
    MAX_RETRIES: '3',
    MIN_FREE_DISK: '0',
    AGENT_ENV_PASS: FAKE_AGENT_PASS,
    ...overrides,
  };
  const settings = resolveSettings({}, settingsEnv);
  const agentEnv = { FAKE_AGENT_STATE_DIR: join(home, 'agent'), FAKE_AGENT_SCENARIO_FILE: scenarioFile };
  const { backend } = await openQueueBackend({ paths, settings, env: { ...process.env, ...agentEnv, WORKERS_DATABASE_URL: url } });
  const health = new HealthService({ paths, settings });
  return {
    name,
    paths,
    repo,
    settings,
    backend,
    health,
    env: { ...settingsEnv, ...agentEnv, WORKERS_DATABASE_URL: url, CLAUDE_WORKERS_HOME: home, WORKER_AGENT_CMD: agentCommand },
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
    alerts: () => (existsSync(paths.alertsLog) ? readFileSync(paths.alertsLog, 'utf8') : ''),
  };
}
