import { expect, it } from 'vitest';
import { describeWith } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';
import { makeTmuxSocket } from '../helpers/tmux-server.js';

const NOTICE = 'Queue backend: embedded (WORKER_BACKEND=embedded).';

function setting() {
  const home = makeTempDir();
  const env = { WORKER_BACKEND: 'embedded', WORKERS_TMUX_SOCKET: makeTmuxSocket() };
  return (name: string, args: string[]) => runBin(name, args, { home, env });
}

describeWith(['tmux'], '"Queue backend: ..." is said where it informs, not on every call', () => {
  it('worker-queue says it only with --verbose (before or after the command)', async () => {
    const run = setting();
    const quiet = await run('worker-queue', ['list']);
    expect(quiet.exitCode).toBe(0);
    expect(quiet.stderr).toBe('');
    expect((await run('worker-queue', ['list', '--json'])).stderr).toBe('');
    expect((await run('worker-queue', ['clean'])).stderr).toBe('');
    for (const args of [
      ['list', '--verbose'],
      ['--verbose', 'list'],
    ]) {
      const verbose = await run('worker-queue', args);
      expect(verbose.exitCode).toBe(0);
      expect(verbose.stderr).toBe(NOTICE);
      expect(verbose.stdout).toContain('The queue is empty (embedded backend).');
    }
  });

  it('worker-manager status shows it in its text and its JSON', async () => {
    const run = setting();
    const text = await run('worker-manager', ['status']);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stderr).toBe('');
    expect(text.stdout.split('\n')).toContain(NOTICE);
    expect(JSON.parse((await run('worker-manager', ['status', '--json'])).stdout).queue_backend).toBe(NOTICE);
  });
});
