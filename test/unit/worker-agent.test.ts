import { describe, expect, it } from 'vitest';
import type { TaskFacts } from '../../src/agent/agent-adapter.js';
import { commandAgent } from '../../src/agent/command-agent.js';
import { selectAgent } from '../../src/worker/select-agent.js';
import { resolveSettings } from '../../src/core/settings.js';
import { splitWords } from '../../src/core/split-words.js';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/temp.js';

/** Attempts write their prompt beside the output file: a private directory, not a shared /tmp name. */
const out = () => join(makeTempDir('hw-agent-unit-'), 'out');

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
    const { run } = commandAgent('node agent.mjs --fast').prepare(facts, { outputFile: out() });
    expect(run.argv).toEqual(['node', 'agent.mjs', '--fast', '42', '7']);
    expect(run.cwd).toBe(facts.worktree);
    expect(run.outputFile).toMatch(/\/out$/);
    expect(run.env).toMatchObject({
      TASK_ID: '42',
      PARENT_ISSUE: '7',
      WORKTREE: facts.worktree,
      WORKER_ID: '3',
      BRANCH: 'subissue/7-42',
      ATTEMPT: '2',
    });
  });

  it('reads exit 0 as finished and anything else as a retryable agent error', async () => {
    const agent = commandAgent('true');
    await expect(agent.interpret({ exitCode: 0 })).resolves.toEqual({ kind: 'finished' });
    await expect(agent.interpret({ exitCode: 3 })).resolves.toMatchObject({ kind: 'failed', errorClass: 'agent_error', retry: true });
  });
});

describe('selectAgent', () => {
  const select = (command: string) => selectAgent(resolveSettings({}, { WORKER_AGENT_CMD: command }), () => new Date());

  it('runs claude through the Claude adapter: print mode, stream-json, a session, the prompt naming the sub-issue and parent', () => {
    for (const command of ['claude', '/opt/bin/claude']) {
      const agent = select(command);
      const prepared = agent.prepare(facts, { outputFile: out() });
      expect(agent.name).toBe('claude');
      const claudeArgv = prepared.run.argv.slice(prepared.run.argv.indexOf(command));
      expect(claudeArgv.slice(0, 5)).toEqual([command, '-p', '--output-format', 'stream-json', '--verbose']);
      expect(claudeArgv).toContain(prepared.sessionId);
      expect(claudeArgv.at(-1)).toMatch(/sub-issue #42 of parent issue #7.*pull request/);
    }
  });

  it('resumes the given session instead of starting one', () => {
    const prepared = select('claude').prepare(facts, { outputFile: out(), resumeSessionId: '123e4567-e89b-12d3-a456-426614174000' });
    expect(prepared.run.argv).toEqual(expect.arrayContaining(['--resume', '123e4567-e89b-12d3-a456-426614174000']));
    expect(prepared.run.argv).not.toContain('--session-id');
  });

  it('resumes a session under the state directory of the worker that holds it', () => {
    const settings = resolveSettings({}, { WORKER_AGENT_CMD: 'claude', CLAUDE_CONFIG_DIR_TEMPLATE: '/state/claude-{worker}' });
    const agent = selectAgent(settings, () => new Date());
    expect(agent.prepare(facts, { outputFile: out() }).run.env.CLAUDE_CONFIG_DIR).toBe(`/state/claude-${facts.workerId}`);
    const resumed = agent.prepare(facts, {
      outputFile: out(),
      resumeSessionId: '123e4567-e89b-12d3-a456-426614174000',
      resumeWorkerId: 9,
    });
    expect(resumed.run.env.CLAUDE_CONFIG_DIR).toBe('/state/claude-9');
  });

  it('uses the plain command adapter for anything else', () => {
    expect(select('node fake-agent.mjs').name).toBe('command');
    expect(select('claude-wrapper --x').name).toBe('command');
  });
});
