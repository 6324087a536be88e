import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../src/adapters/process.js';
import { escapeTmuxFormat, paneCommandArgs, parsePaneList, quoteTmuxArgument, tmuxArgv } from '../../src/adapters/tmux.js';

// Recorded from tmux 3.3a: `list-panes -s -F PANE_FORMAT` with one tagged live pane, one tagged
// dead pane (exit 3), one tagged pane killed by SIGKILL and one untagged pane.
const RECORDED = '%0\t\t0\t14609\tsleep\t\t\t0\n%1\t7\t1\t14618\tsh\t3\t\t0\n%2\t12\t1\t14700\tnode\t\t9\t0\n';

describe('tmux adapter, pure parts', () => {
  it('parses list-panes output into typed panes', () => {
    const panes = parsePaneList(RECORDED);
    expect(panes).toEqual([
      { paneId: '%0', workerId: null, dead: false, pid: 14609, command: 'sleep', deadStatus: null, deadSignal: null, windowIndex: 0 },
      { paneId: '%1', workerId: 7, dead: true, pid: 14618, command: 'sh', deadStatus: 3, deadSignal: null, windowIndex: 0 },
      { paneId: '%2', workerId: 12, dead: true, pid: 14700, command: 'node', deadStatus: null, deadSignal: 9, windowIndex: 0 },
    ]);
  });

  it('treats a tag that is not a worker id as untagged', () => {
    expect(parsePaneList('%4\t../x\t0\t1\tnode\t\t\t0')[0]!.workerId).toBeNull();
    expect(parsePaneList('%4\t0\t0\t1\tnode\t\t\t0')[0]!.workerId).toBeNull();
  });

  it('refuses a line it does not understand', () => {
    expect(() => parsePaneList('garbage line')).toThrow(/Unexpected tmux list-panes line/);
  });

  it('puts -L first only when a socket is named', () => {
    expect(tmuxArgv('', ['ls'])).toEqual(['ls']);
    expect(tmuxArgv('pool-a', ['ls'])).toEqual(['-L', 'pool-a', 'ls']);
  });

  it('builds pane command argv with environment, directory and the command words after --', () => {
    expect(paneCommandArgs({ argv: ['/usr/bin/node', '/x/w.js', '3'], env: { A: 'b c' }, cwd: '/repo' })).toEqual([
      '-e',
      'A=b c',
      '-c',
      '/repo',
      '--',
      '/usr/bin/node',
      '/x/w.js',
      '3',
    ]);
  });

  it('refuses a one-word command (tmux would hand it to a shell) and a bad variable name', () => {
    expect(() => paneCommandArgs({ argv: ['node w.js; rm -rf /'] })).toThrow(/without a shell/);
    expect(() => paneCommandArgs({ argv: ['a', 'b'], env: { 'A;B': '1' } })).toThrow(/Invalid environment variable/);
  });

  it('quotes for the shell, for tmux command strings and for formats', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(quoteTmuxArgument('say "$HOME" \\')).toBe('"say \\"\\$HOME\\" \\\\"');
    expect(escapeTmuxFormat('/tmp/a#b')).toBe('/tmp/a##b');
  });
});
