import { describe, expect, it } from 'vitest';
import type { TaskFacts } from '../../src/agent/agent-adapter.js';
import { commandAgent } from '../../src/agent/command-agent.js';
import { selectAgent } from '../../src/worker/select-agent.js';
import { resolveSettings } from '../../src/core/settings.js';
import { splitWords } from '../../src/core/split-words.js';
import { readFileSync } from 'node:fs';
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

describe('the tool list and prompt inside the sandbox (docs/SPEC.md section 15.2)', () => {
  const toolsOf = (env: Record<string, string>, sandboxed: boolean) => {
    const agent = selectAgent(resolveSettings({}, { WORKER_AGENT_CMD: 'claude', ...env }), () => new Date(), sandboxed);
    const { argv } = agent.prepare({ ...facts, sandboxed }, { outputFile: out() }).run;
    const from = argv.indexOf('--allowedTools') + 1;
    const to = argv.findIndex((word, index) => index >= from && word.startsWith('--'));
    return { tools: argv.slice(from, to), prompt: argv.at(-1)! };
  };

  it('inside the sandbox the default widens to Bash in general and the prompt says it may build and run the tests', () => {
    const { tools, prompt } = toolsOf({}, true);
    expect(tools).toContain('Bash');
    expect(prompt).toContain('you may build the project and run its tests');
  });

  it('outside the sandbox the tool list stays the git-only default and the prompt says nothing of tests', () => {
    const { tools, prompt } = toolsOf({}, false);
    expect(tools).not.toContain('Bash');
    expect(tools).toContain('Bash(git commit *)');
    expect(prompt).not.toContain('run its tests');
  });

  it('a CLAUDE_ALLOWED_TOOLS the user set is kept inside the sandbox', () => {
    expect(toolsOf({ CLAUDE_ALLOWED_TOOLS: 'Read,Bash(npm test)' }, true).tools).toEqual(['Read', 'Bash(npm test)']);
  });
});

describe('a round to fix a failing verification (docs/SPEC.md section 15.3)', () => {
  it('a command agent gets TASK_KIND=fix-verify and the failing output in its prompt file', () => {
    const agent = commandAgent('node agent.mjs');
    const failing = { ...facts, verifyCommand: 'npm test', verifyFailure: { rounds: 1, tail: 'FAIL test/x.test.ts\n  expected 4, got 5' } };
    const { env } = agent.prepare(failing, { outputFile: out() }).run;
    expect(env.TASK_KIND).toBe('fix-verify');
    const prompt = readFileSync(env.TASK_PROMPT_FILE!, 'utf8');
    expect(prompt).toContain('`npm test` failed after round 1');
    expect(prompt).toContain('expected 4, got 5');
    expect(agent.prepare(facts, { outputFile: out() }).run.env.TASK_KIND).toBeUndefined();
  });
});
