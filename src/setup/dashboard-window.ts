import { runTmux, paneCommandArgs, type PaneCommand } from '../adapters/tmux.js';
import type { Settings } from '../core/settings.js';
import { tmuxOptionsFor } from '../manager/pool.js';

/** A `dashboard` window beside the workers' window, running the live health dashboard. */
export async function openDashboardWindow(
  settings: Pick<Settings, 'WORKERS_TMUX_SOCKET' | 'WORKERS_SESSION'>,
  command: PaneCommand,
): Promise<void> {
  await runTmux(tmuxOptionsFor(settings), [
    'new-window',
    '-d',
    '-t',
    `=${settings.WORKERS_SESSION}:`,
    '-n',
    'dashboard',
    ...paneCommandArgs(command),
  ]);
}
