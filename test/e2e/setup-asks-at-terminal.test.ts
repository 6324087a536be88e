import { expect, it } from 'vitest';
import { binPath, runBin, testEnv } from '../helpers/run-bin.js';
import { describeWith } from '../helpers/requires.js';
import { makeTmuxSocket, tmuxOn } from '../helpers/tmux-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeWorkerBench } from '../helpers/worker-harness.js';

/*
 * A question asked at a terminal loads node:readline late, through a dynamic import in the built
 * bundle (scripts/build.mjs, builtinDynamicImports): run at a real terminal (a tmux pane), the
 * second setup asks before it touches the existing session, and takes the answer.
 */
describeWith(['git', 'tmux'], 'setup at a terminal', () => {
  it('asks whether to recreate the existing session and whether to open the dashboard; "n" to both keeps the session and opens nothing', async () => {
    const bench = await makeWorkerBench('embedded');
    const pool = makeTmuxSocket();
    const env = { ...bench.env, WORKERS_TMUX_SOCKET: pool };
    const first = await runBin('setup-hybrid-enhanced', ['1'], { home: bench.home, env, cwd: bench.repo });
    expect(first.exitCode, first.stderr).toBe(0);

    const terminal = makeTmuxSocket();
    const passed = Object.entries(testEnv({ ...env, CLAUDE_WORKERS_HOME: bench.home })).flatMap(([name, value]) => [
      '-e',
      `${name}=${value}`,
    ]);
    const command = `'${process.execPath}' '${binPath('setup-hybrid-enhanced')}' 1; echo "setup exited $?"; sleep 60`;
    tmuxOn(terminal, 'new-session', '-d', '-x', '200', '-y', '50', '-c', bench.repo, ...passed, command);
    const screen = () => tmuxOn(terminal, 'capture-pane', '-p', '-J', '-S', '-100');
    await waitFor(() => /Recreate it\? \[y\/N\]/.test(screen()), { timeoutMs: 30_000, what: `the question (screen: ${screen()})` });
    tmuxOn(terminal, 'send-keys', 'n', 'Enter');
    await waitFor(() => /Open the health dashboard in a new tmux window\? \[y\/N\]/.test(screen()), {
      timeoutMs: 30_000,
      what: `the second question (screen: ${screen()})`,
    });
    tmuxOn(terminal, 'send-keys', 'n', 'Enter');
    await waitFor(() => /setup exited \d+/.test(screen()), { timeoutMs: 30_000, what: `setup to exit (screen: ${screen()})` });
    expect(screen()).toMatch(/setup exited 0/);
    expect(screen()).toMatch(/reusing the existing session/);
    expect(screen()).not.toMatch(/ERR_VM_DYNAMIC_IMPORT|Error/);
    expect(tmuxOn(pool, 'list-windows', '-a', '-F', '#{window_name}')).not.toMatch(/dashboard/);
  }, 120_000);
});
