import { describe, expect, it } from 'vitest';
import type { TaskFacts } from '../../src/agent/agent-adapter.js';
import { commandAgent, selectAgent } from '../../src/agent/command-agent.js';
import { splitWords } from '../../src/agent/split-words.js';

const facts: TaskFacts = {
  queueTaskId: 'q7',
  subissue: '42',
  parent: '7',
  workerId: 3,
  worktree: '/repo/.worktrees/subissue-42',
  branch: 'subissue/7-42',
  baseBranch: 'main',
  attempt: 2,
};

describe('splitWords', () => {
  it('splits on whitespace and honours quotes and escapes without expanding anything', () => {
    expect(splitWords(`node  'my agent.mjs' "--say \\"hi\\"" a\\ b $(rm -rf /) ;`)).toEqual([
      'node',
      'my agent.mjs',
      '--say "hi"',
      'a b',
      '$(rm',
      '-rf',
      '/)',
      ';',
    ]);
  });

  it('keeps an empty quoted word', () => {
    expect(splitWords(`cmd '' x`)).toEqual(['cmd', '', 'x']);
  });

  it('refuses an unclosed quote and an empty command', () => {
    expect(() => splitWords(`cmd 'open`)).toThrow(/unclosed ' quote/);
    expect(() => splitWords('   ')).toThrow(/empty/);
  });
});

describe('commandAgent', () => {
  it('runs the command as argv in the worktree with the facts as trailing arguments and environment', () => {
    const { run } = commandAgent('node agent.mjs --fast').prepare(facts, { outputFile: '/tmp/out.log' });
    expect(run.argv).toEqual(['node', 'agent.mjs', '--fast', '42', '7']);
    expect(run.cwd).toBe(facts.worktree);
    expect(run.outputFile).toBe('/tmp/out.log');
    expect(run.env).toMatchObject({ TASK_ID: '42', PARENT_ISSUE: '7', WORKTREE: facts.worktree, WORKER_ID: '3', BRANCH: 'subissue/7-42', ATTEMPT: '2' });
  });

  it('reads exit 0 as finished and anything else as a retryable agent error', async () => {
    const agent = commandAgent('true');
    await expect(agent.interpret({ exitCode: 0 })).resolves.toEqual({ kind: 'finished' });
    await expect(agent.interpret({ exitCode: 3 })).resolves.toMatchObject({ kind: 'failed', errorClass: 'agent_error', retry: true });
  });
});

describe('selectAgent', () => {
  it('runs claude non-interactively with a prompt naming the sub-issue and parent', () => {
    const agent = selectAgent('claude');
    const { run } = agent.prepare(facts, { outputFile: '/tmp/o' });
    expect(agent.name).toBe('claude');
    expect(run.argv.slice(0, 2)).toEqual(['claude', '-p']);
    expect(run.argv[2]).toMatch(/sub-issue #42 of parent issue #7.*pull request/);
  });

  it('uses the plain command adapter for anything else', () => {
    expect(selectAgent('node fake-agent.mjs').name).toBe('command');
  });
});
