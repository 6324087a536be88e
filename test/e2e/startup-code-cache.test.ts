import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';

/** A copy of the built commands (bin/ and dist/ are all an install holds), so its cache is private. */
function installCopy(): string {
  const install = makeTempDir('hw-install-');
  cpSync(join(REPO_ROOT, 'bin'), join(install, 'bin'), { recursive: true });
  cpSync(join(REPO_ROOT, 'dist'), join(install, 'dist'), { recursive: true, filter: (source) => !source.endsWith('.v8-cache') });
  return install;
}

async function run(install: string, home: string, args: string[]) {
  const result = await execa(process.execPath, [join(install, 'bin', 'worker-health-monitor.js'), ...args], {
    reject: false,
    stdin: 'ignore',
    env: { CLAUDE_WORKERS_HOME: home, NO_COLOR: '1' },
  });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

describe('command start-up through the V8 code cache', () => {
  it('writes the cache on the first run and answers the same with it, without it and with a broken one', async () => {
    const install = installCopy();
    const home = makeTempDir();
    const cache = join(install, 'dist', 'worker-health-monitor.cjs.v8-cache');
    expect(existsSync(cache)).toBe(false);

    expect(await run(install, home, ['heartbeat', '1', 'working', 'task-7'])).toMatchObject({ exitCode: 0, stderr: '' });
    expect(readFileSync(cache).length).toBeGreaterThan(10_000);
    expect(await run(install, home, ['check', '1'])).toEqual({ exitCode: 0, stdout: 'working', stderr: '' });

    // A cache from another Node, or damaged on disk, is rejected by V8 and rewritten.
    writeFileSync(cache, 'not a code cache');
    expect(await run(install, home, ['check', '1'])).toEqual({ exitCode: 0, stdout: 'working', stderr: '' });
    expect(readFileSync(cache, 'utf8')).not.toBe('not a code cache');

    const metrics = JSON.parse((await run(install, home, ['metrics', '1'])).stdout) as { current_task: string };
    expect(metrics.current_task).toBe('task-7');
  });
});
