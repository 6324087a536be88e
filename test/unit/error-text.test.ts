import { describe, expect, it } from 'vitest';
import { withErrorClass } from '../../src/core/error-text.js';
import { taskEvent } from '../../src/notify/detect-events.js';

describe('a failure named once by its class', () => {
  it('adds the class only where the recorded error does not already begin with it', () => {
    expect(withErrorClass('github_error', 'github_error: GitHub refused (not retried)')).toBe('github_error: GitHub refused (not retried)');
    expect(withErrorClass('github_error', 'GitHub refused')).toBe('github_error: GitHub refused');
    expect(withErrorClass('agent_error', '')).toBe('agent_error');
    expect(withErrorClass(null, null)).toBe('unknown');
  });

  it("a webhook's task_failed cause says the class once, as the worker recorded it", () => {
    const event = taskEvent(
      {
        task_id: '12',
        parent: '3',
        worker_id: 2,
        result: 'failed',
        error_class: 'github_error',
        error: 'github_error: GitHub has no issue #12 in o/r (not retried)',
        title: null,
      },
      '2026-12-01T10:00:00.000Z',
    );
    expect(event?.cause).toBe('github_error: GitHub has no issue #12 in o/r (not retried)');
    expect(JSON.stringify(event)).not.toMatch(/github_error: github_error/);
  });
});
