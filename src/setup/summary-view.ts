import type { SetupSummary } from './setup.js';

/** The closing text of setup: what runs where, and the commands to use next. */
export function renderSetupSummary(summary: SetupSummary, dashboardOpened: boolean): string {
  const { commands } = summary;
  return [
    '',
    `Hybrid workers are up: ${summary.workers} worker${summary.workers === 1 ? '' : 's'} in tmux session ${summary.session}, manager in ${summary.monitor_session} on its own tmux server.`,
    `Queue: ${summary.queue_notice}`,
    `Repository: ${summary.repository}`,
    `Data: ${summary.data_root}`,
    dashboardOpened ? `Dashboard: window "dashboard" of ${summary.session}` : `Dashboard: ${commands.dashboard}`,
    '',
    'Next:',
    `  attach      ${commands.attach}`,
    `  manager     ${commands.attach_manager}`,
    `  add a task  ${commands.add_task}`,
    `  status      ${commands.status}`,
    `  scale       ${commands.scale}`,
    `  report      ${commands.report}`,
    `  stop all    ${commands.stop}`,
  ].join('\n');
}
