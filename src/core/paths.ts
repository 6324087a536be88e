import { join } from 'node:path';

/** Every file the toolkit keeps under the data root (docs/SPEC.md section 2). */
export interface DataPaths {
  readonly root: string;
  readonly healthDir: string;
  readonly metricsFile: string;
  readonly healthLog: string;
  readonly alertsLog: string;
  readonly stateDir: string;
  readonly errorsDir: string;
  readonly managerLog: string;
  readonly configFile: string;
  readonly queueDir: string;
  readonly historyFile: string;
}

/** `$CLAUDE_WORKERS_HOME`, else `~/.claude/workers`. */
export function resolveDataRoot(env: NodeJS.ProcessEnv, homeDir: string): string {
  const fromEnv = env.CLAUDE_WORKERS_HOME;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homeDir, '.claude', 'workers');
}

export function dataPaths(root: string): DataPaths {
  const healthDir = join(root, 'health');
  const queueDir = join(root, 'queue');
  return {
    root,
    healthDir,
    metricsFile: join(healthDir, 'metrics.json'),
    healthLog: join(healthDir, 'health.log'),
    alertsLog: join(healthDir, 'alerts.log'),
    stateDir: join(root, 'state'),
    errorsDir: join(root, 'errors'),
    managerLog: join(root, 'manager.log'),
    configFile: join(root, 'config.json'),
    queueDir,
    historyFile: join(root, 'history', 'tasks.jsonl'),
  };
}

export const workerStateFile = (paths: DataPaths, workerId: number) => join(paths.stateDir, `worker-${workerId}.state`);

export const workerErrorLog = (paths: DataPaths, workerId: number) => join(paths.errorsDir, `worker-${workerId}.log`);
