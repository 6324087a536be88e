import { describe, expect, it } from 'vitest';
import type { HealthService } from '../../src/health/health-service.js';
import { Heartbeat } from '../../src/worker/heartbeat.js';
import { waitFor } from '../helpers/wait-for.js';

const LONG = 600_000;

describe('Heartbeat', () => {
  it('reports a change at once, a staged beat only with the next report, and nothing twice', async () => {
    const beats: string[] = [];
    const health: Pick<HealthService, 'heartbeat'> = {
      heartbeat: async (_workerId, input) => {
        beats.push(`${input.status} ${input.task}`);
        return undefined as never;
      },
    };
    const heartbeat = new Heartbeat(health, 1, LONG, () => undefined);
    heartbeat.set({ status: 'working', task: '1' });
    heartbeat.stage({ status: 'idle' });
    heartbeat.set({ status: 'working', task: '2' });
    heartbeat.stage({ status: 'idle' });
    heartbeat.set({ status: 'idle' });
    heartbeat.set({ status: 'idle' });
    await heartbeat.stop();
    expect(beats).toEqual(['working 1', 'working 2', 'idle none', 'stopped none']);
  });

  it('survives a beat that could not take the lock: the error is reported and the next beat goes out', async () => {
    let calls = 0;
    const errors: string[] = [];
    const health: Pick<HealthService, 'heartbeat'> = {
      heartbeat: async () => {
        calls += 1;
        if (calls === 1) throw new Error('Could not lock metrics.json within 60 s: held by pid 1234, stopped, for 60 s.');
        return undefined as never;
      },
    };
    const heartbeat = new Heartbeat(health, 1, 20, (message) => errors.push(message));
    heartbeat.start();
    await waitFor(() => calls >= 3, { what: 'two more beats after the failed one' });
    await heartbeat.stop();
    expect(errors).toEqual(['heartbeat failed: Could not lock metrics.json within 60 s: held by pid 1234, stopped, for 60 s.']);
  });
});
