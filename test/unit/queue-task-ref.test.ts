import { describe, expect, it } from 'vitest';
import { normaliseRemoteUrl } from '../../src/adapters/github/repository-name.js';
import type { QueueTask } from '../../src/queue/backend.js';
import { findTaskByRef, parseTaskRef } from '../../src/queue/task-ref.js';

const task = (id: string, subissue: string, fields: Partial<QueueTask> = {}): QueueTask => ({
  id,
  subissue,
  parent: '9',
  priority: 1,
  status: 'done',
  workerId: null,
  attempts: 1,
  createdAt: `2026-01-01T00:00:0${id}.000Z`,
  claimedAt: null,
  finishedAt: null,
  lastError: null,
  ...fields,
});

describe('task references', () => {
  it('a bare number or #N is a sub-issue, never a queue id; id:N is the queue id; owner/name#N names the repository', () => {
    expect(parseTaskRef('201')).toEqual({ kind: 'subissue', subissue: '201' });
    expect(parseTaskRef('#201')).toEqual({ kind: 'subissue', subissue: '201' });
    expect(parseTaskRef('acme/widgets#201')).toEqual({ kind: 'subissue', subissue: '201', repo: 'acme/widgets' });
    expect(parseTaskRef('id:012')).toEqual({ kind: 'id', id: '12' });
    expect(() => parseTaskRef('x')).toThrow(/"x" names no task/);
  });

  it('names the current task of the sub-issue in the current repository: the active one, else the newest', () => {
    const tasks = [
      task('1', '2', { repo: 'a/b' }),
      task('2', '1', { repo: 'a/b' }),
      task('3', '1', { repo: 'c/d', status: 'queued' }),
      task('4', '1', { repo: 'a/b', status: 'failed' }),
      task('5', '7'),
    ];
    expect(findTaskByRef(tasks, parseTaskRef('1'), 'a/b')?.id).toBe('4');
    expect(findTaskByRef(tasks, parseTaskRef('c/d#1'), 'a/b')?.id).toBe('3');
    expect(findTaskByRef(tasks, parseTaskRef('id:1'), 'a/b')?.subissue).toBe('2');
    // A task queued before repositories were recorded answers when the repository has none of it.
    expect(findTaskByRef(tasks, parseTaskRef('7'), 'a/b')?.id).toBe('5');
    expect(findTaskByRef(tasks, parseTaskRef('c/d#7'), 'a/b')).toBeUndefined();
  });

  it('clones of one origin are one repository, however the URL is written', () => {
    for (const url of [
      'git@Example.com:team/proj.git',
      'ssh://git@example.com:22/team/proj',
      'https://user:pw@example.com/team/proj.git/',
    ]) {
      expect(normaliseRemoteUrl(url)).toBe('example.com/team/proj');
    }
    expect(normaliseRemoteUrl('/srv/git/proj.git')).toBe('/srv/git/proj');
  });
});
