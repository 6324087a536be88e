import { describe, expect, it } from 'vitest';
import type { PullSeen } from '../../src/notify/observation.js';
import { detectPullEvents } from '../../src/notify/pull-events.js';

const AT = '2030-01-01T00:00:00.000Z';
const seen = (pr_number: number, state: string, extra: Partial<PullSeen> = {}): PullSeen => ({
  parent: '1',
  pr_number,
  pr_url: `https://github.com/o/r/pull/${pr_number}`,
  state,
  attention: null,
  ...extra,
});

describe('pull-request notifications', () => {
  it('tell a pull request ready once per parent, then the parent when all its pull requests are ready or merged', () => {
    const before = { '2': seen(3, 'open'), '3': seen(4, 'merged') };
    const now = { '2': seen(3, 'ready'), '3': seen(4, 'merged') };
    const events = detectPullEvents(before, now, AT, false);
    expect(events.map((event) => event.kind)).toEqual(['pr_ready', 'parent_ready']);
    expect(events[0]).toMatchObject({
      parent: '1',
      pull_requests: ['https://github.com/o/r/pull/3'],
      command: 'merge on GitHub, or gh pr merge 3',
    });
    expect(events[1]!.summary).toContain('https://github.com/o/r/pull/3 (ready), https://github.com/o/r/pull/4 (merged)');
    // The same look again is no news.
    expect(detectPullEvents(now, now, AT, false)).toEqual([]);
    expect(detectPullEvents(before, now, AT, true)[0]!.command).toBe('none needed, AUTO_MERGE merges it');
  });

  it('tell what needs a person once per message, and a pull request closed unmerged; the first look is the baseline', () => {
    const message = 'Pull request #3 waits for a maintainer to approve its workflows (build)';
    const before = { '2': seen(3, 'open'), '3': seen(4, 'open') };
    const now = { '2': seen(3, 'open', { attention: message }), '3': seen(4, 'closed') };
    const events = detectPullEvents(before, now, AT, false);
    expect(events.map((event) => [event.kind, event.task])).toEqual([
      ['pr_needs_person', '2'],
      ['pr_needs_person', '3'],
    ]);
    expect(events[0]!.summary).toContain(message);
    expect(events[1]!.summary).toContain('was closed without being merged');
    expect(detectPullEvents(now, now, AT, false)).toEqual([]);
    expect(detectPullEvents(undefined, now, AT, false)).toEqual([]);
  });

  it("on a shared queue tell only what this host's watcher acts on: another host tells the rest", () => {
    const before = { '2': seen(3, 'open', { elsewhere: true }), '3': seen(4, 'open') };
    const now = {
      '2': seen(3, 'ready', { elsewhere: true, attention: 'GitHub refused to merge' }),
      '3': seen(4, 'ready'),
    };
    const events = detectPullEvents(before, now, AT, false);
    // Pull request 3 (the parent's first) is the other host's: so is the parent's message.
    expect(events.map((event) => [event.kind, event.pull_requests])).toEqual([['pr_ready', ['https://github.com/o/r/pull/4']]]);
  });
});
