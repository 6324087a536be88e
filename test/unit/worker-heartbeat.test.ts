import { describe, expect, it } from 'vitest';
import type { HealthService } from '../../src/health/health-service.js';
import { Heartbeat } from '../../src/worker/heartbeat.js';

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
});
