import { printJson, showLiveView, type CliContext } from './context.js';

const DASHBOARD_REFRESH_MS = 2000;

/** The health dashboard, shared by `worker-health-monitor dashboard` and `worker-manager health`. */
export async function showHealthDashboard(context: CliContext, options: { once?: boolean; json?: boolean }): Promise<void> {
  const { buildReport } = await import('../manager/health-commands.js');
  if (options.json) {
    printJson(await buildReport(context));
    return;
  }
  const { renderDashboard } = await import('../health/views.js');
  await showLiveView(
    context,
    async () => renderDashboard(await buildReport(context), { colorLevel: context.colorLevel, columns: context.columns }),
    {
      intervalMs: DASHBOARD_REFRESH_MS,
      ...(options.once === undefined ? {} : { once: options.once }),
    },
  );
}
