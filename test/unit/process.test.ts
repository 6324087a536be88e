import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { firstChildOf, isProcessAlive, readStartTime, shellQuote } from '../../src/adapters/process.js';
import { waitFor } from '../helpers/wait-for.js';

describe('isProcessAlive', () => {
  it('counts a live process, with its own start time, as alive', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(process.pid, readStartTime(process.pid))).toBe(true);
    expect(isProcessAlive(null)).toBe(false);
  });

  it('counts a reused pid (another start time) as dead', () => {
    expect(isProcessAlive(process.pid, '1')).toBe(false);
  });

  it('counts a zombie as dead although kill -0 still reaches it', async () => {
    // `sleep 0` exits under a parent (the exec'd sleep 30) that never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 0 & exec sleep 30'], { stdio: 'ignore' });
    try {
      const zombie = await waitFor(
        () => {
          const child = firstChildOf(parent.pid!);
          return child !== undefined && / Z /.test(readFileSync(`/proc/${child}/stat`, 'utf8')) ? child : undefined;
        },
        { what: 'a zombie child' },
      );
      expect(() => process.kill(zombie, 0)).not.toThrow();
      expect(isProcessAlive(zombie)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

describe('shellQuote', () => {
  it.each(['plain', "it's", '$(touch /tmp/never)', '`id`', 'a b;c', 'line\nbreak', '"\\', ''])(
    '%j survives sh -c as one literal word',
    (word) => {
      const echoed = execFileSync('sh', ['-c', `printf %s ${shellQuote(word)}`], { encoding: 'utf8' });
      expect(echoed).toBe(word);
    },
  );
});
