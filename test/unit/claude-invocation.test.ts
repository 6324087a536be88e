import { describe, expect, it } from 'vitest';
import type { TaskFacts } from '../../src/agent/agent-adapter.js';
import { claudeAgent, claudeAgentConfig, toVerdict } from '../../src/worker/claude-agent.js';
import { buildClaudeInvocation, configDirFor, parseAllowedTools } from '../../src/adapters/claude/invocation.js';
import { renderPrompt } from '../../src/agent/task-prompt.js';
import { describeVersion, judgeVersion, parseClaudeVersion } from '../../src/adapters/claude/version.js';
import { DEFAULT_SETTINGS, resolveSettings } from '../../src/core/settings.js';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/temp.js';

/** Attempts write their prompt beside the output file: a private directory, not a shared /tmp name. */
const out = () => join(makeTempDir('hw-agent-unit-'), 'out');

const SESSION = '11111111-2222-4333-8444-555555555555';
const FACTS: TaskFacts = {
  queueTaskId: '7',
  subissue: '42',
  parent: '40',
  workerId: 3,
  worktree: '/w/3',
  branch: 'issue-42',
  baseBranch: 'main',
  attempt: 1,
};

describe('buildClaudeInvocation', () => {
  it('builds a print-mode stream-json run with a fresh session, settings as flags and the prompt after --', () => {
    const invocation = buildClaudeInvocation({
      prompt: '-starts with a dash',
      session: { kind: 'new', id: SESSION },
      model: 'sonnet',
      permissionMode: 'acceptEdits',
      allowedTools: ['Write', 'Bash(git *)'],
      maxTurns: 80,
      maxBudgetUsd: 2.5,
      configDir: '/cfg/w3',
    });
    expect(invocation.argv).toEqual([
      'claude',
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--session-id',
      SESSION,
      '--model',
      'sonnet',
      '--permission-mode',
      'acceptEdits',
      '--max-turns',
      '80',
      '--max-budget-usd',
      '2.5',
      '--allowedTools',
      'Write',
      'Bash(git *)',
      '--',
      '-starts with a dash',
    ]);
    expect(invocation.env).toEqual({ DISABLE_AUTOUPDATER: '1', CLAUDE_CONFIG_DIR: '/cfg/w3' });
    expect(invocation.sessionId).toBe(SESSION);
  });

  it('resumes with --resume and leaves out unset limits, model and config dir', () => {
    const { argv, env } = buildClaudeInvocation({
      prompt: 'p',
      session: { kind: 'resume', id: SESSION },
      permissionMode: 'default',
      allowedTools: [],
      maxTurns: 0,
      maxBudgetUsd: 0,
    });
    expect(argv).toEqual([
      'claude',
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--resume',
      SESSION,
      '--permission-mode',
      'default',
      '--',
      'p',
    ]);
    expect(env).toEqual({ DISABLE_AUTOUPDATER: '1' });
  });

  it('refuses a session id that is not a UUID (the CLI would)', () => {
    expect(() =>
      buildClaudeInvocation({ prompt: 'p', session: { kind: 'new', id: 'task-42' }, permissionMode: 'default', allowedTools: [] }),
    ).toThrow(/not a UUID/);
  });

  it('splits allowed tools on commas and fills the config dir template', () => {
    expect(parseAllowedTools(' Read, Bash(git *) ,,Write ')).toEqual(['Read', 'Bash(git *)', 'Write']);
    expect(configDirFor('/data/claude/w{worker}', 4)).toBe('/data/claude/w4');
    expect(configDirFor('', 4)).toBeUndefined();
  });
});

describe('prompt', () => {
  it('names the sub-issue and parent and asks for a pull request by default', () => {
    const prompt = renderPrompt('', FACTS);
    expect(prompt).toContain('#42');
    expect(prompt).toContain('#40');
    expect(prompt).toMatch(/pull request/);
  });

  it('fills a configured template and leaves unknown placeholders alone', () => {
    expect(
      renderPrompt(
        'Fix #{subissue} (parent #{parent}) on {branch} from {baseBranch}, worker {worker} try {attempt}: open a PR {other}',
        FACTS,
      ),
    ).toBe('Fix #42 (parent #40) on issue-42 from main, worker 3 try 1: open a PR {other}');
  });
});

describe('claude version', () => {
  it('parses `claude --version` output and judges it against the known-good release', () => {
    const version = parseClaudeVersion('2.1.332 (Claude Code)\n');
    expect(version).toEqual({ text: '2.1.332', major: 2, minor: 1, patch: 332 });
    expect(describeVersion(judgeVersion(version!))).toBe('claude 2.1.332 (known to work)');
    expect(describeVersion(judgeVersion(parseClaudeVersion('2.2.0 (Claude Code)')!))).toBe(
      'claude 2.2.0 (untested; known to work: 2.1.332)',
    );
    expect(parseClaudeVersion('command not found')).toBeUndefined();
  });
});

describe('claudeAgent (the AgentAdapter seam)', () => {
  const settings = resolveSettings(
    {},
    {
      CLAUDE_MODEL: 'haiku',
      CLAUDE_ALLOWED_TOOLS: 'Write,Bash(git *)',
      CLAUDE_CONFIG_DIR_TEMPLATE: '/cfg/{worker}',
      CLAUDE_MAX_TURNS: '30',
    },
  );
  const agent = claudeAgent({ ...claudeAgentConfig(settings, 'claude', () => new Date(0)), newSessionId: () => SESSION });

  it('prepares a run in the worktree with stdin from /dev/null, the task environment and a new session', () => {
    const { run, sessionId } = agent.prepare(FACTS, { outputFile: out() });
    expect(sessionId).toBe(SESSION);
    expect(run.argv.slice(0, 5)).toEqual(['sh', '-c', 'exec "$@" </dev/null', 'claude-run', 'claude']);
    expect(run.argv).toContain('--session-id');
    expect(run.argv.slice(run.argv.indexOf('--model'), run.argv.indexOf('--model') + 2)).toEqual(['--model', 'haiku']);
    expect(run.argv.slice(run.argv.indexOf('--max-turns'), run.argv.indexOf('--max-turns') + 2)).toEqual(['--max-turns', '30']);
    expect(run.cwd).toBe('/w/3');
    expect(run.outputFile).toMatch(/\/out$/);
    expect(run.env).toMatchObject({ SUBISSUE: '42', PARENT_ISSUE: '40', CLAUDE_CONFIG_DIR: '/cfg/3', DISABLE_AUTOUPDATER: '1' });
  });

  it('resumes the session of an earlier attempt', () => {
    const { run, sessionId } = agent.prepare(FACTS, { outputFile: out(), resumeSessionId: SESSION });
    expect(sessionId).toBe(SESSION);
    expect(run.argv.slice(run.argv.indexOf('--resume'), run.argv.indexOf('--resume') + 2)).toEqual(['--resume', SESSION]);
    expect(run.argv).not.toContain('--session-id');
  });

  it('interprets a missing output file as an agent error worth retrying', async () => {
    expect(await agent.interpret({ exitCode: 1, outputFile: '/nonexistent/out.jsonl' })).toMatchObject({
      kind: 'failed',
      errorClass: 'agent_error',
      retry: true,
    });
  });

  it('maps outcomes to verdicts: auth not retried, usage limit with its reset, cost carried', () => {
    expect(toVerdict({ kind: 'auth_failure', message: 'bad key' })).toMatchObject({ errorClass: 'auth_error', retry: false });
    expect(toVerdict({ kind: 'usage_limit', message: 'limit', resetsAt: new Date(1000) })).toMatchObject({
      errorClass: 'usage_limit',
      retry: true,
      resetsAt: '1970-01-01T00:00:01.000Z',
    });
    expect(toVerdict({ kind: 'transient', message: 'overloaded', status: 529 })).toMatchObject({ errorClass: 'agent_error', retry: true });
    expect(toVerdict({ kind: 'max_turns', message: 'cap' })).toMatchObject({ errorClass: 'max_turns', retry: false });
    const usage = {
      costUsd: 0.2,
      inputTokens: 5,
      outputTokens: 6,
      cacheReadTokens: 0,
      cacheCreationTokens: 0,
      numTurns: 3,
      sessionId: SESSION,
      models: [],
    };
    expect(toVerdict({ kind: 'success', usage })).toEqual({
      kind: 'finished',
      costUsd: 0.2,
      inputTokens: 5,
      outputTokens: 6,
      numTurns: 3,
      sessionId: SESSION,
    });
  });

  it('has defaults for every Claude setting', () => {
    expect(DEFAULT_SETTINGS.CLAUDE_PERMISSION_MODE).toBe('acceptEdits');
    expect(DEFAULT_SETTINGS.CLAUDE_MAX_BUDGET_USD).toBe(0);
    expect(() => resolveSettings({}, { CLAUDE_PERMISSION_MODE: 'yolo' })).toThrow(/CLAUDE_PERMISSION_MODE/);
    expect(resolveSettings({}, { CLAUDE_MAX_BUDGET_USD: '2.5' }).CLAUDE_MAX_BUDGET_USD).toBe(2.5);
  });
});
