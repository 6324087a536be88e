import { expect, it } from 'vitest';
import { sandboxState } from '../../src/adapters/bubblewrap/probe.js';
import { startDashboard } from '../helpers/dashboard-server.js';
import { describeWith } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';
import { makeTmuxSocket } from '../helpers/tmux-server.js';

/*
 * docs/SPEC.md section 15: where a person looks (worker-manager status, its JSON, the page's
 * /api/state) says whether this host's agents run sandboxed, and when not, why and the fix.
 */

const statusWith = (env: Record<string, string>) => {
  const home = makeTempDir();
  const all = { WORKER_BACKEND: 'embedded', WORKERS_TMUX_SOCKET: makeTmuxSocket(), ...env };
  return (args: string[]) => runBin('worker-manager', args, { home, env: all });
};

describeWith(['tmux'], 'the sandbox in worker-manager status and on the page', () => {
  it('SANDBOX=off: status says agents run with full access and names the fix, in text and JSON', async () => {
    const run = statusWith({ SANDBOX: 'off' });
    const text = await run(['status']);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toContain("Sandbox: off (SANDBOX=off): agents run with your user's full access");
    const json = JSON.parse((await run(['status', '--json'])).stdout) as { sandbox: unknown };
    expect(json.sandbox).toMatchObject({ mode: 'off', in_use: false, why: 'SANDBOX=off', fix: 'set SANDBOX=auto' });
  });

  it('SANDBOX=auto: status says what a worker started now would decide on this host', async () => {
    const expected = await sandboxState('auto', process.env, process.platform);
    const json = JSON.parse((await statusWith({ SANDBOX: 'auto' })(['status', '--json'])).stdout) as { sandbox: unknown };
    expect(json.sandbox).toEqual(expected);
  });

  it('/api/state carries the same sandbox state', async () => {
    const { url } = await startDashboard(makeTempDir('hw-serve-'), [], { WORKERS_DASHBOARD_TOKEN: '', SANDBOX: 'off' });
    const state = (await (await fetch(`${url}api/state`)).json()) as { sandbox: unknown };
    expect(state.sandbox).toMatchObject({ in_use: false, why: 'SANDBOX=off', fix: 'set SANDBOX=auto' });
  });
});

it('without bubblewrap the state names the missing program and its install, and SANDBOX=on says workers refuse to start', async () => {
  const noBwrap = { PATH: makeTempDir('hw-empty-path-') };
  const auto = await sandboxState('auto', noBwrap, 'linux');
  expect(auto).toMatchObject({ in_use: false, why: 'bubblewrap (bwrap) is not installed' });
  expect(auto.line).toMatch(/^Sandbox: not in use, bubblewrap \(bwrap\) is not installed; .*install bubblewrap/);
  expect((await sandboxState('on', noBwrap, 'linux')).line).toMatch(/^Sandbox: SANDBOX=on but .* workers refuse to start/);
  expect((await sandboxState('auto', noBwrap, 'darwin')).why).toBe('the sandbox needs Linux, this is darwin');
});
