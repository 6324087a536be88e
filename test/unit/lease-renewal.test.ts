import { describe, expect, it } from 'vitest';
import type { QueueBackend } from '../../src/queue/backend.js';
import { renewingLeases } from '../../src/worker/lease-renewal.js';

describe('heartbeats renew leases', () => {
  it('each beat, after it is written, renews the leases of the beating worker', async () => {
    const calls: string[] = [];
    const health = { heartbeat: async (id: number) => (calls.push(`beat ${id}`), { status: 'idle' }) as never };
    const backend = { renewLeases: async (id: number) => void calls.push(`renew ${id}`) } as unknown as QueueBackend;
    const beats = renewingLeases(health, backend, 3);
    await beats.heartbeat(3, { status: 'working', task: '12', pid: 1 });
    await beats.heartbeat(3, { status: 'working', task: '12', pid: 1 });
    expect(calls).toEqual(['beat 3', 'renew 3', 'beat 3', 'renew 3']);
  });

  it('a backend without leases gets the heartbeats as they are', () => {
    const health = { heartbeat: async () => ({}) as never };
    expect(renewingLeases(health, {} as QueueBackend, 1)).toBe(health);
  });
});
