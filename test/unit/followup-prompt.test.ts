import { describe, expect, it } from 'vitest';
import { defaultPrompt } from '../../src/agent/task-prompt.js';
import { fencedChecks, trimLog } from '../../src/github/followup-context.js';

describe("a follow-up's prompt", () => {
  it('keeps the lines around the error of a long CI log, not its noise', () => {
    const log = [
      ...Array.from({ length: 500 }, (_, i) => `step ${i} ok`),
      'FAIL test/add.test.ts',
      'expected 2, got 3',
      ...Array.from({ length: 300 }, (_, i) => `cleanup ${i}`),
    ].join('\n');
    const trimmed = trimLog(log);
    expect(trimmed).toContain('FAIL test/add.test.ts\nexpected 2, got 3');
    expect(trimmed).not.toContain('step 100 ok');
    expect(trimmed.split('\n').length).toBeLessThanOrEqual(80);
    expect(trimLog(Array.from({ length: 200 }, (_, i) => `line ${i}`).join('\n')).split('\n')[0]).toBe('line 120');
  });

  it('states the kind and carries the failing check and its log as fenced data', () => {
    const data = fencedChecks([
      { name: 'unit tests', conclusion: 'failure', summary: 'add() returns 3', details_url: null, check_run_id: 7, log: 'FAIL: use a + b' },
    ]);
    const prompt = defaultPrompt({
      subissue: '3',
      parent: '1',
      branch: 'subissue/1-3',
      baseBranch: 'main',
      workerId: 1,
      attempt: 1,
      kind: 'fix-ci',
      followUp: data,
    });
    expect(prompt).toMatch(/^This is a fix-ci follow-up on GitHub sub-issue #3 of parent issue #1\./);
    expect(prompt).toMatch(
      /<<<CI-DATA [0-9a-f]{16}\nCheck: unit tests\nConclusion: failure\nSummary: add\(\) returns 3\nLog \(trimmed\):\nFAIL: use a \+ b\nCI-DATA [0-9a-f]{16}>>>/,
    );
  });
});
