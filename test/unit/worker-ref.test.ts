import { describe, expect, it } from 'vitest';
import { isWorkersError } from '../../src/core/errors.js';
import { compareWorkers, hasSeveralHosts, parseWorkerRef, splitWorkerKey, workerKey, workerLabel } from '../../src/core/worker-ref.js';

describe('worker references host/id', () => {
  it('reads a plain id as this host’s worker and host/id as another’s', () => {
    expect(parseWorkerRef('3', 'alpha')).toEqual({ host: 'alpha', id: 3 });
    expect(parseWorkerRef('beta/12', 'alpha')).toEqual({ host: 'beta', id: 12 });
    expect(parseWorkerRef('build-01.lab/1', 'alpha')).toEqual({ host: 'build-01.lab', id: 1 });
  });

  it.each(['beta/', '/2', 'beta/0', 'be ta/2', '../2', 'a/b/2', `${'h'.repeat(65)}/1`, 'beta/x'])(
    'refuses %j with a usage error',
    (raw) => {
      let thrown: unknown;
      try {
        parseWorkerRef(raw, 'alpha', 3);
      } catch (error) {
        thrown = error;
      }
      expect(isWorkersError(thrown)).toBe(true);
      expect((thrown as { exitCode?: number }).exitCode).toBe(3);
      expect((thrown as Error).message).toMatch(/^Invalid (worker id|host in worker)/);
    },
  );

  it('keys, orders and labels workers of several hosts', () => {
    const refs = [
      { host: 'beta', id: 2 },
      { host: 'alpha', id: 10 },
      { host: 'alpha', id: 9 },
    ];
    expect([...refs].sort(compareWorkers).map(workerKey)).toEqual(['alpha/9', 'alpha/10', 'beta/2']);
    expect(splitWorkerKey('build-01.lab/7')).toEqual({ host: 'build-01.lab', id: 7 });
    expect(hasSeveralHosts(refs)).toBe(true);
    expect(hasSeveralHosts(refs.slice(1))).toBe(false);
    expect(hasSeveralHosts([])).toBe(false);
    expect(workerLabel(refs[0]!, true)).toBe('beta/2');
    expect(workerLabel(refs[0]!, false)).toBe('2');
  });
});
