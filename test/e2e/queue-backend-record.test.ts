import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isolatedPueue, type IsolatedPueue } from '../helpers/pueue-daemon.js';
import { describeWith } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';

/** A PATH without Pueue's client, as before a user installs it. */
const WITHOUT_PUEUE = '/usr/local/bin:/usr/bin:/bin';

describeWith(['pueue', 'git'], 'the backend is chosen once per data root', () => {
  let daemon: IsolatedPueue;
  beforeAll(() => {
    daemon = isolatedPueue();
  });
  afterAll(async () => {
    await daemon.stop();
  });

  it('installing Pueue mid-pool moves nothing and starts no daemon; a change is explicit and refused while tasks are queued', async () => {
    const home = makeTempDir();
    const before = { WORKER_BACKEND: 'auto', PATH: WITHOUT_PUEUE };
    const after = { WORKER_BACKEND: 'auto', PUEUE_CONFIG_PATH: daemon.configPath };
    const queue = (args: string[], env: Record<string, string>) => runBin('worker-queue', args, { home, env });
    expect((await queue(['add', '1', '10', '401'], before)).exitCode).toBe(0);
    expect((await queue(['add', '1', '10', '402'], before)).exitCode).toBe(0);

    // Pueue is now on PATH: every command still uses the embedded queue, and no pueued starts.
    const listed = await queue(['list', '--all', '--json'], after);
    expect(JSON.parse(listed.stdout)).toMatchObject({ backend: 'embedded', tasks: [{ subissue: '401' }, { subissue: '402' }] });
    expect((await queue(['backend'], after)).stdout).toBe(
      `Queue backend: embedded (this data root's queue, recorded in ${join(home, 'queue', 'backend.json')}).`,
    );
    expect(daemon.pid()).toBeUndefined();

    const refused = await queue(['backend', 'pueue'], after);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(
      /^worker-queue: The embedded queue still holds 2 queued or claimed task\(s\) \(.+#401 \(id:1\), .+#402 \(id:2\)\); tasks are not moved between backends, so let them finish or remove them first\.$/,
    );
    expect(daemon.pid()).toBeUndefined();
    for (const ref of ['id:1', 'id:2']) expect((await queue(['remove', ref], after)).exitCode).toBe(0);
    const changed = await queue(['backend', 'pueue'], after);
    expect(changed.stdout).toMatch(/^This data root now uses the pueue queue \(recorded in .+backend\.json\)/);
    expect(JSON.parse((await queue(['list', '--json'], after)).stdout)).toMatchObject({ backend: 'pueue', tasks: [] });
  });

  it('a data root that already holds an embedded queue (queued before the record existed) keeps it', async () => {
    const home = makeTempDir();
    expect((await runBin('worker-queue', ['add', '1', '10', '501'], { home, env: { WORKER_BACKEND: 'embedded' } })).exitCode).toBe(0);
    rmSync(join(home, 'queue', 'backend.json'));
    const listed = await runBin('worker-queue', ['list', '--all', '--json'], {
      home,
      env: { WORKER_BACKEND: 'auto', PUEUE_CONFIG_PATH: daemon.configPath },
    });
    expect(JSON.parse(listed.stdout)).toMatchObject({ backend: 'embedded', tasks: [{ subissue: '501' }] });
    expect(existsSync(join(home, 'queue', 'backend.json'))).toBe(true);
  });
});
