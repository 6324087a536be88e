import { describe, expect, it } from 'vitest';
import { backoffMs, currentCount, decideRestart, type RestartPolicy } from '../../src/manager/restart-policy.js';

const policy: RestartPolicy = { RESTART_DELAY: 1000, MAX_RESTART_ATTEMPTS: 3, RESTART_MIN_UPTIME: 10_000, RESTART_STABLE_PERIOD: 60_000 };
const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
const started = (ms: number) => at(ms).toISOString();

describe('restart policy', () => {
  it('restarts a worker that died after a healthy run at once', () => {
    expect(decideRestart({ started_at: started(0), consecutive_unstable: 0 }, at(120_000), policy)).toEqual({
      kind: 'restart',
      delayMs: 0,
      unstable: false,
      consecutive: 0,
    });
  });

  it('grows the delay between consecutive restarts from RESTART_DELAY', () => {
    expect([0, 1, 2, 3, 4].map((n) => backoffMs(n, policy))).toEqual([0, 1000, 2000, 4000, 8000]);
    expect(backoffMs(40, policy)).toBe(300_000);
  });

  it('counts a death within the minimum uptime as unstable, a later one not', () => {
    const early = decideRestart({ started_at: started(0), consecutive_unstable: 1 }, at(2000), policy);
    expect(early).toEqual({ kind: 'restart', delayMs: 1000, unstable: true, consecutive: 2 });
    const later = decideRestart({ started_at: started(0), consecutive_unstable: 1 }, at(30_000), policy);
    expect(later).toEqual({ kind: 'restart', delayMs: 1000, unstable: false, consecutive: 1 });
  });

  it('resets the count after a stable period', () => {
    expect(currentCount({ started_at: started(0), consecutive_unstable: 3 }, at(59_000), policy)).toBe(3);
    expect(currentCount({ started_at: started(0), consecutive_unstable: 3 }, at(60_000), policy)).toBe(0);
  });

  it('gives up after MAX_RESTART_ATTEMPTS consecutive unstable restarts', () => {
    let history = { started_at: started(0), consecutive_unstable: 0 };
    const delays: number[] = [];
    let clock = 0;
    for (;;) {
      clock += 500;
      const decision = decideRestart(history, at(clock), policy);
      if (decision.kind === 'give-up') {
        expect(decision.consecutive).toBe(3);
        break;
      }
      delays.push(decision.delayMs);
      clock += decision.delayMs;
      history = { started_at: started(clock), consecutive_unstable: decision.consecutive };
    }
    expect(delays).toEqual([0, 1000, 2000]);
  });

  it('does not give up on a worker that ran past the minimum uptime', () => {
    const decision = decideRestart({ started_at: started(0), consecutive_unstable: 3 }, at(20_000), policy);
    expect(decision.kind).toBe('restart');
  });

  it('treats an unknown start time as long ago', () => {
    expect(decideRestart({ started_at: null, consecutive_unstable: 2 }, at(0), policy)).toMatchObject({
      kind: 'restart',
      delayMs: 0,
      unstable: false,
    });
  });
});
