import { describe, expect, it } from 'vitest';
import type { RunSpec } from '../../src/queue/backend.js';
import { runnerWords } from '../../src/queue/runner-script.js';

describe('runnerWords', () => {
  const run: RunSpec = { argv: ['agent', '--flag'], cwd: '/w', env: { TASK_ID: '7' } };

  it('lays out prefix, output, directory, the merged environment, then argv', () => {
    expect(runnerWords('/runs/1-1', '/out.log', run, { PATH: '/bin', TASK_ID: 'base', UNSET: undefined })).toEqual([
      '/runs/1-1',
      '/out.log',
      '/w',
      'PATH=/bin',
      'TASK_ID=7',
      'agent',
      '--flag',
    ]);
  });

  it('refuses what cannot travel as an argument', () => {
    expect(() => runnerWords('/p', '', { ...run, argv: ['FOO=1', 'agent'] }, {})).toThrow(/program/);
    expect(() => runnerWords('/p', '', { ...run, argv: [] }, {})).toThrow(/program/);
    expect(() => runnerWords('/p', '', { ...run, env: { 'A=B': '1' } }, {})).toThrow(/name/);
    expect(() => runnerWords('/p', '', { ...run, argv: ['agent', 'a\0b'] }, {})).toThrow(/NUL/);
  });
});
