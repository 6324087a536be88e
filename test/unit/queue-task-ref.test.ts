import { describe, expect, it } from 'vitest';
import { normaliseRemoteUrl } from '../../src/adapters/github/repository-name.js';
import type { QueueTask } from '../../src/queue/backend.js';
import { findTaskByRef, parseTaskRef, taskSuffixes } from '../../src/queue/task-ref.js';
import { queueTask } from '../helpers/queue-task.js';

const task = (id: string, subissue: string, fields: Partial<QueueTask> = {}): QueueTask =>
  queueTask({ id, subissue, parent: '9', status: 'done', attempts: 1, createdAt: `2026-01-01T00:00:0${id}.000Z`, ...fields });

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

  it('names the earlier tasks of a sub-issue (follow-ups, reruns) with ~N from its current task, as the views show them', () => {
    const tasks = [
      task('1', '5', { repo: 'a/b' }),
      task('2', '5', { repo: 'a/b', status: 'failed' }),
      task('3', '5', { repo: 'a/b', status: 'claimed' }),
      task('4', '5', { repo: 'c/d' }),
    ];
    expect(parseTaskRef('a/b#5~2')).toEqual({ kind: 'subissue', subissue: '5', repo: 'a/b', back: 2 });
    expect(findTaskByRef(tasks, parseTaskRef('5'), 'a/b')?.id).toBe('3');
    expect(findTaskByRef(tasks, parseTaskRef('5~1'), 'a/b')?.id).toBe('2');
    expect(findTaskByRef(tasks, parseTaskRef('#5~2'), 'a/b')?.id).toBe('1');
    expect(findTaskByRef(tasks, parseTaskRef('5~3'), 'a/b')).toBeUndefined();
    expect(taskSuffixes(tasks)).toEqual(
      new Map([
        ['3', ''],
        ['2', '~1'],
        ['1', '~2'],
        ['4', ''],
      ]),
    );
  });

  it('takes an attempt (@N) only where the command asks for one: logs', () => {
    expect(parseTaskRef('#5~1@2', { attempts: true })).toEqual({ kind: 'subissue', subissue: '5', back: 1, attempt: 2 });
    expect(parseTaskRef('id:7@1', { attempts: true })).toEqual({ kind: 'id', id: '7', attempt: 1 });
    expect(() => parseTaskRef('5@2')).toThrow('"5@2" names an attempt (@2); this command acts on the whole task, so name it without @.');
    expect(() => parseTaskRef('5~0')).toThrow(/names no task/);
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
