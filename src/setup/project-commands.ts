import { constants, lstatSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkersError, errnoCode } from '../core/errors.js';

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

const refuseLink = (path: string) =>
  new WorkersError(
    'conflict',
    `${path} is a symbolic link (committed to the repository?); --install-commands writes only into real files and directories of the repository, so nothing was installed: remove the link.`,
  );

/** A link at any of the paths is refused before anything is written. */
function refuseLinks(paths: readonly string[]): void {
  for (const path of paths) if (lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) throw refuseLink(path);
}

/**
 * `.claude`, `.claude/commands`, `.claude/commands/project` and the command files must not be
 * links: a repository that commits one would have setup write wherever it points (a user's file
 * with --force). Checked before any write, and each file is written with O_NOFOLLOW.
 */
export async function installProjectCommands(sourceDir: string, repository: string, force: boolean): Promise<InstalledCommand[]> {
  const levels = [join(repository, '.claude'), join(repository, '.claude', 'commands'), join(repository, '.claude', 'commands', 'project')];
  const target = levels.at(-1)!;
  const names = (await readdir(sourceDir)).filter((file) => file.endsWith('.md')).sort();
  refuseLinks([...levels, ...names.map((name) => join(target, name))]);
  for (const level of levels)
    await mkdir(level).catch((error: unknown) => (errnoCode(error) === 'EEXIST' ? undefined : Promise.reject(error)));
  refuseLinks(levels);
  const results: InstalledCommand[] = [];
  for (const name of names) {
    const destination = join(target, name);
    const [wanted, present] = await Promise.all([readFile(join(sourceDir, name), 'utf8'), readOrUndefined(destination)]);
    const action = present === undefined ? 'installed' : present === wanted ? 'unchanged' : force ? 'replaced' : 'kept';
    if (action === 'installed' || action === 'replaced')
      await writeFile(destination, wanted, {
        flag: constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
      }).catch((error: unknown) => Promise.reject(errnoCode(error) === 'ELOOP' ? refuseLink(destination) : error));
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
