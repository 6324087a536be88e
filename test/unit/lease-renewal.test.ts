import { describe, expect, it } from 'vitest';
import type { QueueBackend } from '../../src/queue/backend.js';
import { LeaseContact, renewingLeases } from '../../src/worker/lease-renewal.js';

describe('heartbeats renew leases', () => {
  it('each beat, after it is written, renews the leases of the beating worker', async () => {
    const calls: string[] = [];
    const health = { heartbeat: async (id: number) => (calls.push(`beat ${id}`), { status: 'idle' }) as never };
    const backend = {
      capabilities: { leases: { renewLeases: async (id: number) => void calls.push(`renew ${id}`) } },
    } as unknown as QueueBackend;
    const beats = renewingLeases(health, backend, 3);
    await beats.heartbeat(3, { status: 'working', task: '12', pid: 1 });
    await beats.heartbeat(3, { status: 'working', task: '12', pid: 1 });
    expect(calls).toEqual(['beat 3', 'renew 3', 'beat 3', 'renew 3']);
  });

  it('a backend without leases gets the heartbeats as they are', () => {
    const health = { heartbeat: async () => ({}) as never };
    expect(renewingLeases(health, { capabilities: {} } as QueueBackend, 1)).toBe(health);
  });

  it('past its lease without a renewal a worker is cut off, said once; the first renewal that gets through ends it', async () => {
    let nowMs = 0;
    const said: string[] = [];
    const contact = new LeaseContact(10_000, () => new Date(nowMs), {
      lost: (ms) => said.push(`lost ${ms}`),
      back: (ms) => said.push(`back ${ms}`),
    });
    let reachable = true;
    const backend = {
      capabilities: {
        leases: {
          renewLeases: async () => {
            if (!reachable) throw new Error('Cannot reach the database');
          },
        },
      },
    } as unknown as QueueBackend;
    const beats = renewingLeases({ heartbeat: async () => ({}) as never }, backend, 1, contact);
    const beat = () => beats.heartbeat(1, { status: 'idle', task: 'none', pid: 1 }).catch(() => undefined);
    await beat();
    reachable = false;
    nowMs = 10_000;
    await beat();
    expect(contact.cutOff).toBe(false);
    nowMs = 10_001;
    await beat();
    nowMs = 15_000;
    await beat();
    expect(contact.cutOff).toBe(true);
    expect(said).toEqual(['lost 10001']);
    reachable = true;
    nowMs = 20_000;
    await beat();
    expect(contact.cutOff).toBe(false);
    expect(said).toEqual(['lost 10001', 'back 20000']);
  });
});
