import { describe, expect, it } from 'vitest';
import { addArgs, globalArgs, isDaemonUnreachable, killArgs, parseAddedId, removeArgs, stripAnsi } from '../../src/adapters/pueue/argv.js';

describe('pueue argv builders', () => {
  it('puts global options before the subcommand and never colours', () => {
    expect(globalArgs('/tmp/pq/pueue.yml')).toEqual(['-c', '/tmp/pq/pueue.yml', '--color', 'never']);
    expect(globalArgs(undefined)).toEqual(['--color', 'never']);
  });

  it('builds add with = forms (safe for values starting with -) and the command after --', () => {
    expect(addArgs({ group: 'subissues', label: 'subissue-5', priority: -3, workingDirectory: '/q', command: "'node' 'r.mjs'" })).toEqual([
      'add',
      '--print-task-id',
      '--group=subissues',
      '--label=subissue-5',
      '--priority=-3',
      '--working-directory=/q',
      '--',
      "'node' 'r.mjs'",
    ]);
  });

  it('always names ids explicitly', () => {
    expect(killArgs(4)).toEqual(['kill', '4']);
    expect(killArgs(4, 'SIGTERM')).toEqual(['kill', '-s', 'SIGTERM', '4']);
    expect(removeArgs([1, 2])).toEqual(['remove', '1', '2']);
  });
});

describe('pueue output parsing', () => {
  it('reads the id from the last non-empty line (v3 may warn first)', () => {
    expect(parseAddedId('5\n')).toBe(5);
    expect(parseAddedId("Different daemon version detected '3.0'.\n12\n")).toBe(12);
    expect(parseAddedId('New task added (id 5).')).toBeUndefined();
  });

  it('recognises an unreachable daemon and strips colours', () => {
    expect(isDaemonUnreachable('I/O error at path "/x/pueue.sock" while connecting to daemon. Did you start it?')).toBe(true);
    expect(isDaemonUnreachable('Failed to connect to the daemon on 127.0.0.1:6924. Did you start it?')).toBe(true);
    expect(isDaemonUnreachable('The command failed for tasks: 9')).toBe(false);
    expect(stripAnsi('\u001b[31mError\u001b[0m: x')).toBe('Error: x');
  });
});
