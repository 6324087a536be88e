import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

const isExecutable = (file: string) =>
  access(file, constants.X_OK).then(
    () => true,
    () => false,
  );

/**
 * Where `program` would be run from, without running it: a name with a slash is taken as a path
 * (relative to `cwd`), a bare name is looked up in the PATH of `env`. Undefined when not found.
 */
export async function findOnPath(
  program: string,
  env: Readonly<Record<string, string | undefined>>,
  cwd = process.cwd(),
): Promise<string | undefined> {
  if (program.includes('/')) {
    const file = isAbsolute(program) ? program : resolve(cwd, program);
    return (await isExecutable(file)) ? file : undefined;
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    if (await isExecutable(join(dir, program))) return join(dir, program);
  }
  return undefined;
}
