import { expect, it } from 'vitest';
import { makeGithubBench } from '../helpers/github-api/gh-env.js';
import { describeWith } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';

/* worker-queue add-issues and status with the real gh against the scripted GitHub. */

const ISSUES = [
  { number: 100, title: 'Parent with pages' },
  { number: 101, title: 'First', parent: 100 },
  { number: 102, title: 'Closed one', parent: 100, state: 'closed' as const },
  { number: 103, title: 'Urgent', parent: 100, labels: ['priority: critical'] },
  { number: 200, title: 'Parent without sub-issues', labels: ['P1'] },
];

async function bench() {
  const github = await makeGithubBench({ issues: ISSUES, pageSize: 1 });
  const home = makeTempDir('hw-intake-home-');
  const run = (args: string[]) =>
    runBin('worker-queue', args, { home, cwd: github.repo, env: { ...github.env, WORKER_BACKEND: 'embedded' } });
  return { github, run };
}

describeWith(['gh', 'git', 'tmux'], 'worker-queue add-issues', () => {
  it('queues the open sub-issues of two parents, every page, in order; a second run adds nothing', async () => {
    const { github, run } = await bench();
    const first = await run(['add-issues', '100,#200', '--json']);
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.exitCode).toBe(0);
    const result = JSON.parse(first.stdout) as {
      added: { subissue: number; parent: number; priority: number }[];
      skipped: { subissue: number; reason: string }[];
    };
    expect(result.added.map(({ subissue, parent, priority }) => [subissue, parent, priority])).toEqual([
      [101, 100, 5],
      [103, 100, 1],
      [200, 200, 3],
    ]);
    expect(result.skipped).toEqual([expect.objectContaining({ subissue: 102, reason: 'closed on GitHub' })]);
    expect(github.api.requests.filter((request) => request.path.startsWith('/repos/octo/widgets/issues/100/sub_issues'))).toHaveLength(3);

    const second = await run(['add-issues', '#100', '#200']);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toMatch(/Skipped #101 "First" \(parent #100\): already queued as task \d+/);
    expect(second.stdout).toMatch(/Added 0 tasks, skipped 4, from octo\/widgets\. Nothing new to queue\./);
    const list = JSON.parse((await run(['list', '--json'])).stdout) as { tasks: unknown[] };
    expect(list.tasks).toHaveLength(3);

    const status = JSON.parse((await run(['status', '--json'])).stdout) as {
      parents: { parent: string; total: number; queued: string[] }[];
    };
    expect(status.parents).toEqual([
      expect.objectContaining({ parent: '100', total: 2, queued: ['101', '103'] }),
      expect.objectContaining({ parent: '200', total: 1 }),
    ]);
  });

  it('says one sentence for a 401, a 404 and a rate limit, and queues nothing', async () => {
    const { github, run } = await bench();
    const unauthorized = await runBin('worker-queue', ['add-issues', '100'], {
      home: makeTempDir('hw-intake-home-'),
      cwd: github.repo,
      env: { ...github.env, GH_TOKEN: 'revoked', WORKER_BACKEND: 'embedded' },
    });
    expect(unauthorized.exitCode).toBe(1);
    expect(unauthorized.stderr.trim()).toMatch(
      /^worker-queue: GitHub refused the login \(HTTP 401, "Bad credentials"\): run gh auth login again, or set a valid GH_TOKEN\.$/,
    );

    const missing = await run(['add-issues', '100,999']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr.trim().split('\n').at(-1)).toBe(
      'worker-queue: GitHub has no issue #999 in octo/widgets (HTTP 404), or this login may not see it: check the number and the repository.',
    );

    github.api.addFault({
      method: 'GET',
      path: /sub_issues$/,
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 7200) },
      message: 'API rate limit exceeded',
    });
    const limited = await run(['add-issues', '100']);
    expect(limited.exitCode).toBe(1);
    expect(limited.stderr.trim().split('\n').at(-1)).toMatch(
      /^worker-queue: GitHub's rate limit is exhausted until \d\d:\d\d:\d\d UTC \(asking for sub-issues of #100 in octo\/widgets\); .* try again then\.$/,
    );

    const list = JSON.parse((await run(['list', '--json'])).stdout) as { tasks: unknown[] };
    expect(list.tasks).toEqual([]);
  });

  it('ends within GITHUB_MAX_WAIT in total when GitHub keeps rate limiting (429 without headers, 403 with Retry-After)', async () => {
    const faults: { status: number; headers: Record<string, string>; message: string }[] = [
      { status: 429, headers: {}, message: 'secondary rate limit' },
      { status: 403, headers: { 'retry-after': '1' }, message: 'You have exceeded a secondary rate limit' },
    ];
    for (const fault of faults) {
      const { github } = await bench();
      github.api.addFault({ method: 'GET', path: /sub_issues$/, ...fault });
      const started = Date.now();
      const limited = await runBin('worker-queue', ['add-issues', '100'], {
        home: makeTempDir('hw-intake-home-'),
        cwd: github.repo,
        env: { ...github.env, WORKER_BACKEND: 'embedded', GITHUB_MAX_WAIT: '4' },
        timeout: 30_000,
      });
      const took = Date.now() - started;
      expect(limited.exitCode, limited.stderr).toBe(1);
      expect(took).toBeLessThan(12_000);
      expect(limited.stderr.trim().split('\n').at(-1)).toMatch(
        new RegExp(
          `^worker-queue: GitHub still answers HTTP ${fault.status} \\(rate limited, asking for sub-issues of #100 in octo/widgets\\) after \\d s of waiting, the most GITHUB_MAX_WAIT \\(4 s\\) allows; try again later\\.$`,
        ),
      );
    }
  }, 60_000);

  it('worker-manager status says which mode the pool is in and why', async () => {
    const { github } = await bench();
    const home = makeTempDir('hw-mode-home-');
    const on = await runBin('worker-manager', ['status', '--json'], {
      home,
      cwd: github.repo,
      env: { ...github.env, WORKERS_TMUX_SOCKET: 'hw-gh-mode' },
    });
    expect((JSON.parse(on.stdout) as { github_mode: unknown }).github_mode).toEqual({
      on: true,
      repo: 'octo/widgets',
      why: 'gh is logged in as scripted-user; repository octo/widgets from GITHUB_REPOSITORY',
    });
    const off = await runBin('worker-manager', ['status'], {
      home,
      cwd: github.repo,
      env: { ...github.env, GH_TOKEN: 'revoked', WORKERS_TMUX_SOCKET: 'hw-gh-mode' },
    });
    expect(off.stdout).toMatch(
      /^GitHub mode: off \(GitHub refused the login \(HTTP 401.*\): commits ahead of the base branch are success$/m,
    );
  });

  it('worker-queue add queues a sub-issue closed on GitHub and says so in one sentence; an open one gets no word', async () => {
    const { run } = await bench();
    const closed = await run(['add', '5', '100', '102']);
    expect(closed.exitCode, closed.stderr).toBe(0);
    expect(closed.stdout).toMatch(/^Queued octo\/widgets#102 \(id:\S+\): sub-issue of #100, priority 5\.$/m);
    expect(closed.stderr).toContain(
      `worker-queue: warning: #102 is closed on GitHub (octo/widgets); it was queued anyway because you named it: worker-queue remove 102 takes it out.\n`,
    );
    const open = await run(['add', '5', '100', '101']);
    expect(open.exitCode, open.stderr).toBe(0);
    expect(open.stderr).not.toMatch(/closed/);
  });

  it('refuses a bad issue number before asking GitHub anything', async () => {
    const { github, run } = await bench();
    const bad = await run(['add-issues', '12;rm -rf /']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim()).toBe('worker-queue: "12;rm" is not an issue number: give numbers such as 123,124 or #123 #124.');
    expect(github.api.requests).toEqual([]);
  });
});
