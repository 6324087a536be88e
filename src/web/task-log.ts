import type { DataPaths } from '../core/paths.js';
import type { QueueBackend } from '../queue/backend.js';

/**
 * The page's log link (`/log?task=REF`, docs/SPEC.md section 8.1): the text `worker-queue logs REF`
 * prints, for the task the reference names in the repository the dashboard was started in.
 */
export async function renderTaskLog(paths: DataPaths, backend: QueueBackend, ref: string, env: NodeJS.ProcessEnv): Promise<string> {
  const [{ resolveTask }, { parseTaskRef }, { repositoryIdentity }, { locateTaskLog, printTaskLog }] = await Promise.all([
    import('../queue/queue-commands.js'),
    import('../queue/task-ref.js'),
    import('../adapters/github/repository-name.js'),
    import('../worker/task-logs.js'),
  ]);
  const parsed = parseTaskRef(ref, { attempts: true });
  const task = await resolveTask(backend, parsed, await repositoryIdentity({ cwd: process.cwd(), env }));
  const { output } = await locateTaskLog(paths.root, backend, task, parsed.attempt);
  let text = '';
  await printTaskLog(output.file, (part) => (text += part), { raw: false });
  return text;
}
