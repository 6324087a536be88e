import { describe, expect, it } from 'vitest';
import { isWorkersError } from '../../src/core/errors.js';
import { resolveSettings } from '../../src/core/settings.js';
import { chooseSandbox } from '../../src/worker/sandbox.js';
import { makeGitRepo } from '../helpers/git-repo.js';
import { makeTempDir } from '../helpers/temp.js';

/** A PATH without bwrap on it. */
const noBwrap = () => ({ PATH: makeTempDir('hw-empty-path-') });
const settings = (SANDBOX: string) => resolveSettings({}, { SANDBOX });

describe('SANDBOX where no sandbox can be made', () => {
  it('auto runs without it and its start line says so and names the fix', async () => {
    const choice = await chooseSandbox(settings('auto'), noBwrap(), makeGitRepo(), 'linux', 1000);
    expect(choice.host).toBeUndefined();
    expect(choice.line).toBe(
      "sandbox: not in use, bubblewrap (bwrap) is not installed; the agent runs with your user's full access: install bubblewrap (apt-get install bubblewrap, dnf install bubblewrap)",
    );
  });

  it('on refuses to start in one sentence naming the fix', async () => {
    const refused = await chooseSandbox(settings('on'), noBwrap(), makeGitRepo(), 'linux', 1000).catch((error: unknown) => error);
    expect(isWorkersError(refused) && refused.kind).toBe('config');
    expect((refused as Error).message).toBe(
      'SANDBOX=on but bubblewrap (bwrap) is not installed: install bubblewrap (apt-get install bubblewrap, dnf install bubblewrap), or set SANDBOX=auto.',
    );
  });

  it('on refuses outside Linux', async () => {
    await expect(chooseSandbox(settings('on'), noBwrap(), makeGitRepo(), 'darwin', 1000)).rejects.toThrow(
      'SANDBOX=on but the sandbox needs Linux, this is darwin: run the workers on Linux (a VM or container), or set SANDBOX=auto.',
    );
  });

  it('off never probes and says the agent has full access', async () => {
    const choice = await chooseSandbox(settings('off'), noBwrap(), makeGitRepo(), 'linux', 1000);
    expect(choice).toEqual({ line: "sandbox: off (SANDBOX=off): the agent runs with your user's full access" });
  });
});
