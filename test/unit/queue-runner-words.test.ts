import { describe, expect, it } from 'vitest';
import type { RunSpec } from '../../src/queue/backend.js';
import { runnerEnvironment, runnerWords } from '../../src/queue/runs/runner-script.js';

describe('runnerWords', () => {
  const run: RunSpec = { argv: ['agent', '--flag'], cwd: '/w', env: { TASK_ID: '7' } };

  it('lays out prefix, output, directory, then argv; the environment is not among them', () => {
    expect(runnerWords('/runs/1-1', '/out.log', run)).toEqual(['/runs/1-1', '/out.log', '/w', 'agent', '--flag']);
  });

  it('refuses what cannot travel as an argument', () => {
    expect(() => runnerWords('/p', '', { ...run, argv: [] })).toThrow(/program/);
    expect(() => runnerWords('/p', '', { ...run, argv: ['', 'x'] })).toThrow(/program/);
    expect(() => runnerWords('/p', '', { ...run, argv: ['agent', 'a\0b'] })).toThrow(/NUL/);
  });
});

describe('runnerEnvironment', () => {
  const run: RunSpec = { argv: ['agent'], cwd: '/w', env: { TASK_ID: '7', NOTE: "it's $(here)\n" } };

  it('writes the base with the run over it as single-quoted assignments, leaving out names a shell cannot set', () => {
    expect(runnerEnvironment(run, { PATH: '/bin', TASK_ID: 'base', UNSET: undefined, 'BASH_FUNC_f%%': '() { :; }' })).toBe(
      "PATH='/bin'\nTASK_ID='7'\nNOTE='it'\\''s $(here)\n'\n",
    );
  });

  it('refuses a variable of the run a shell cannot set, and a NUL byte', () => {
    expect(() => runnerEnvironment({ ...run, env: { 'A=B': '1' } }, {})).toThrow(/name/);
    expect(() => runnerEnvironment({ ...run, env: { 'ODD.NAME': '1' } }, {})).toThrow(/name/);
    expect(() => runnerEnvironment({ ...run, env: { A: 'a\0b' } }, {})).toThrow(/NUL/);
  });
});
