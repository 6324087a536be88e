import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../core/errors.js';

/*
 * `setup-hybrid-enhanced --install-commands`: copies the package's Claude Code slash commands
 * (the files in commands/project/: /project:work, /project:add, /project:status) into the repository's
 * `.claude/commands/project/`. A file the user changed is kept unless `force`.
 */

export interface InstalledCommand {
  readonly file: string;
  readonly action: 'installed' | 'unchanged' | 'kept' | 'replaced';
}

const readOrUndefined = (file: string) =>
  readFile(file, 'utf8').catch((error: unknown) => {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  });

export async function installProjectCommands(sourceDir: string, repository: string, force: boolean): Promise<InstalledCommand[]> {
  const target = join(repository, '.claude', 'commands', 'project');
  await mkdir(target, { recursive: true });
  const results: InstalledCommand[] = [];
  for (const name of (await readdir(sourceDir)).filter((file) => file.endsWith('.md')).sort()) {
    const destination = join(target, name);
    const [wanted, present] = await Promise.all([readFile(join(sourceDir, name), 'utf8'), readOrUndefined(destination)]);
    const action = present === undefined ? 'installed' : present === wanted ? 'unchanged' : force ? 'replaced' : 'kept';
    if (action === 'installed' || action === 'replaced') await copyFile(join(sourceDir, name), destination);
    results.push({ file: destination, action });
  }
  return results;
}

export function renderInstalled(results: readonly InstalledCommand[]): string {
  const says = {
    installed: 'installed',
    unchanged: 'already up to date',
    kept: 'changed locally, kept (use --force to replace it)',
    replaced: 'replaced (--force)',
  };
  return results.map((result) => `${result.file}: ${says[result.action]}`).join('\n');
}
