import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { hasSession, killSession, listPanes, type TmuxOptions } from '../adapters/tmux.js';
import { commandLineOf, isProcessAlive, terminateProcess } from '../adapters/process.js';
import { managerPidFile } from '../health/manager-state.js';
import type { DataPaths } from '../core/paths.js';

const loopRecordSchema = z.object({
  pid: z.number().int().positive(),
  started_at: z.string(),
  last_pass_ms: z.number().nullable(),
  last_pass_at: z.string(),
});

export type LoopRecord = z.infer<typeof loopRecordSchema>;

/** The running manager's pid file (checked alive and still a worker-manager), or null. */
export async function runningManager(paths: DataPaths): Promise<LoopRecord | null> {
  let parsed;
  try {
    parsed = loopRecordSchema.safeParse(JSON.parse(await readFile(managerPidFile(paths), 'utf8')));
  } catch {
    return null;
  }
  if (!parsed.success || !isProcessAlive(parsed.data.pid)) return null;
  // A recycled pid belongs to some other program.
  const cmdline = commandLineOf(parsed.data.pid) ?? 'worker-manager';
  return cmdline.includes('worker-manager') ? parsed.data : null;
}

export const runningManagerPid = async (paths: DataPaths) => (await runningManager(paths))?.pid ?? null;

export async function monitorSessionAlive(tmux: TmuxOptions, session: string): Promise<boolean> {
  if (!(await hasSession(tmux, session))) return false;
  return (await listPanes(tmux, session)).some((pane) => !pane.dead);
}

/** SIGTERM to the loop (it finishes its pass and exits), then the monitor session goes; workers stay. */
export async function stopManager(paths: DataPaths, tmux: TmuxOptions, session: string, waitMs = 10_000): Promise<boolean> {
  const pid = await runningManagerPid(paths);
  if (pid !== null) await terminateProcess(pid, waitMs);
  const hadSession = await hasSession(tmux, session);
  if (hadSession) await killSession(tmux, session);
  return pid !== null || hadSession;
}
