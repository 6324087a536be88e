import { describe, expect, it } from 'vitest';
import { workerStartLine } from '../../src/manager/supervisor.js';

describe("the manager's line for a worker it starts", () => {
  it('says why once, never "started (started)"', () => {
    expect(workerStartLine(3, false, 'new in the pool', undefined)).toBe('Worker 3 started (new in the pool) in a new pane.');
    expect(workerStartLine(3, true, 'backoff over', '%4')).toBe('Worker 3 restarted (backoff over) in pane %4.');
  });
});
