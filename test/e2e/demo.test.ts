import { execa } from 'execa';
import { expect, it } from 'vitest';
import { describeWith } from '../helpers/requires.js';
import { REPO_ROOT } from '../helpers/run-bin.js';
import { processesMentioning } from '../helpers/process-scan.js';
import { waitFor } from '../helpers/wait-for.js';

describeWith(['git', 'tmux'], 'npm run demo', () => {
  it('runs the whole system on a throwaway repository, exits 0 and leaves nothing running', async () => {
    const result = await execa('npm', ['run', '--silent', 'demo'], {
      cwd: REPO_ROOT,
      reject: false,
      stdin: 'ignore',
      timeout: 400_000,
      all: true,
    });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toMatch(/setup-hybrid-enhanced 4/);
    expect(result.stdout).toMatch(/Worker health dashboard/);
    expect(result.stdout).toMatch(/Tasks finished: 12\/12/);
    expect(result.stdout).toMatch(/=== Demo passed: 12 tasks done exactly once, one commit each ===/);
    const socket = /tmux -L (hw-demo-\d+) attach/.exec(result.stdout)?.[1];
    expect(socket).toBeDefined();
    // Processes signalled by the teardown get a moment to exit.
    await waitFor(() => processesMentioning(socket!).length === 0, {
      timeoutMs: 15_000,
      what: `no process of the demo left (${processesMentioning(socket!).join(', ')})`,
    });
  }, 420_000);
});
