import { expect, it } from 'vitest';
import { FileTaskHistory } from '../../src/history/task-history-store.js';
import { ghPullReader, openPullWatchStore, watchRound, type FollowUpHands } from '../../src/github/pull-request-watcher.js';
import type { TaskSpec } from '../../src/queue/backend.js';
import { startDashboard } from '../helpers/dashboard-server.js';
import { writePullHistory } from '../helpers/github-api/pull-history.js';
import { makeGithubWorkerBench, type GithubWorkerBench } from '../helpers/github-worker-bench.js';
import { describeWith } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';

/*
 * Each task's pull request in the views, `clean` and `release` (docs/SPEC.md sections 8.2 and
 * 14.2): the real gh against the scripted GitHub feeds the real watcher's record
 * (github/pull-requests.json), and the worker-queue bins and the dashboard read it.
 */

const ISSUES = [
  { number: 1, title: 'Parent' },
  { number: 2, title: 'Sub two', parent: 1 },
  { number: 3, title: 'Sub three', parent: 1 },
  { number: 4, title: 'Sub four', parent: 1 },
];
const REPO = 'octo/widgets';

/** Finished tasks of parent 1 (done, as a worker leaves them), and the history naming each one's pull request. */
async function delivered(bench: GithubWorkerBench, tasks: readonly { subissue: string; pr?: number; repo?: string; parent?: string }[]) {
  const { backend } = bench.worker;
  for (const { subissue, repo, parent } of tasks) {
    const task = await backend.add({ subissue, parent: parent ?? '1', priority: 5, repo: repo ?? REPO });
    await backend.claim(1, { repo: repo ?? REPO });
    await backend.finish(task.id, { status: 'done' });
  }
  writePullHistory(
    bench.worker.paths.historyFile,
    bench.github.api,
    tasks.flatMap(({ subissue, pr }) => (pr === undefined ? [] : [{ task: subissue, pr }])),
  );
}

/**
 * The manager's watcher, one round an hour apart each call (every pull request due); follow-ups go
 * to the real queue unless `watchOnly` (a test of the views only: a queued follow-up would make the
 * delivered task an earlier one, `2~1`).
 */
function watcher(bench: GithubWorkerBench, { watchOnly = false } = {}) {
  let at = Date.now();
  const queued: string[] = [];
  const hands: FollowUpHands = {
    max: 3,
    queue: async (spec) => {
      const task: TaskSpec = { ...spec, priority: 1, repo: REPO };
      queued.push(`${spec.kind} #${spec.subissue}`);
      return bench.worker.backend.add(task).then(
        () => true,
        () => false,
      );
    },
    // This token may not re-run checks: a failing check goes to an agent at once.
    rerun: async () => false,
    tell: async () => undefined,
    say: async () => undefined,
  };
  return {
    queued,
    round: async () => {
      at += 3_600_000;
      await watchRound({
        repo: REPO,
        reader: ghPullReader(bench.github.gh, REPO),
        store: openPullWatchStore(bench.worker.paths),
        history: new FileTaskHistory(bench.worker.paths.historyFile),
        now: () => new Date(at),
        intervalMs: 30_000,
        ...(watchOnly ? {} : { followUps: hands }),
      });
    },
  };
}

const json = <T>(result: { stdout: string }) => JSON.parse(result.stdout) as T;
interface ListJson {
  tasks: {
    subissue: string;
    repo: string | null;
    pull_request: { number: number; url: string; state: string | null; checks: string | null } | null;
  }[];
}
interface StatusJson {
  repo: string | null;
  parents: {
    parent: string;
    repo: string | null;
    pull_requests: Record<string, number>;
    done: { subissue: string; pr_number?: number; pr_state?: string; checks?: string }[];
  }[];
}

describeWith(['gh', 'git'], 'pull requests in the views, clean and release', () => {
  it("list, status and the dashboard's state show each task's pull request: number, state and checks; a parent counts them", async () => {
    const bench = await makeGithubWorkerBench(ISSUES);
    const { api } = bench.github;
    const failing = api.openPull({ head: 'subissue/1-2' });
    api.addCheckRun(failing.number, { name: 'unit tests', conclusion: 'failure', title: 'add() returns 3' });
    const ready = api.openPull({ head: 'subissue/1-3' });
    api.addCheckRun(ready.number, { name: 'unit tests' });
    api.addReview(ready.number, { login: 'maintainer', state: 'APPROVED', association: 'COLLABORATOR' });
    await delivered(bench, [
      { subissue: '2', pr: failing.number },
      { subissue: '3', pr: ready.number },
    ]);
    await watcher(bench, { watchOnly: true }).round();

    const list = await bench.queue(['list', '--json']);
    expect(list.exitCode).toBe(0);
    const pullOf = (subissue: string) => json<ListJson>(list).tasks.find((task) => task.subissue === subissue)?.pull_request;
    expect(pullOf('2')).toEqual({
      number: failing.number,
      url: expect.stringContaining(`/pull/${failing.number}`),
      state: 'open',
      checks: 'failing',
    });
    expect(pullOf('3')).toEqual(expect.objectContaining({ number: ready.number, state: 'ready', checks: 'passing' }));
    const table = (await bench.queue(['list'])).stdout;
    expect(table).toContain(`#${failing.number} open, checks failing`);
    expect(table).toContain(`#${ready.number} ready, checks passing`);

    const status = await bench.queue(['status', '--json']);
    expect(status.exitCode).toBe(0);
    const [parent] = json<StatusJson>(status).parents;
    expect(parent!.pull_requests).toMatchObject({ ready: 1, failing: 1, waiting_review: 0, merged: 0 });
    expect(parent!.done).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ subissue: '2', pr_number: failing.number, pr_state: 'open', checks: 'failing' }),
        expect.objectContaining({ subissue: '3', pr_number: ready.number, pr_state: 'ready', checks: 'passing' }),
      ]),
    );
    expect((await bench.queue(['status'])).stdout).toMatch(/^#1: 2\/2 done; pull requests: 1 ready, 1 failing$/m);

    const { url } = await startDashboard(bench.worker.home, [], { WORKERS_DASHBOARD_TOKEN: '', GITHUB_REPOSITORY: REPO });
    const state = (await (await fetch(`${url}api/state`)).json()) as {
      repo: string;
      parents: { parent: string; repo: string; pull_requests: Record<string, number>; pulls: Record<string, unknown>[] }[];
    };
    expect(state.repo).toBe(REPO);
    expect(state.parents).toEqual([
      expect.objectContaining({
        parent: '1',
        repo: REPO,
        pull_requests: { ready: 1, failing: 1 },
        pulls: expect.arrayContaining([
          expect.objectContaining({ subissue: '2', pr_number: failing.number, state: 'open', checks: 'failing' }),
          expect.objectContaining({ subissue: '3', pr_number: ready.number, state: 'ready', checks: 'passing' }),
        ]),
      }),
    ]);
  }, 90_000);

  it('clean keeps a finished task whose pull request is open, says so, and removes it once the pull request is merged', async () => {
    const bench = await makeGithubWorkerBench(ISSUES);
    const { api } = bench.github;
    const pull = api.openPull({ head: 'subissue/1-2' });
    // Sub-issue 4 ended without a pull request (outside GitHub mode, say): finished, it goes.
    await delivered(bench, [{ subissue: '2', pr: pull.number }, { subissue: '4' }]);
    const { round } = watcher(bench);
    await round();

    const first = await bench.queue(['clean', '0']);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(/^Removed 1 finished task older than 0 days/);
    expect(first.stdout).toContain(`Kept 1 finished task whose pull request is still open (${REPO}#2)`);
    expect((await bench.worker.backend.list()).map((task) => task.subissue)).toEqual(['2']);

    api.closePull(pull.number, { merged: true });
    await round();
    const second = await bench.queue(['clean', '0']);
    expect(second.stdout).toMatch(/^Removed 1 finished task older than 0 days/);
    expect(second.stdout).not.toContain('Kept');
    expect(await bench.worker.backend.list()).toEqual([]);
  }, 90_000);

  it('release stops the follow-ups of a failing pull request, shows it released, lets clean remove it, and is refused without an open pull request', async () => {
    const bench = await makeGithubWorkerBench(ISSUES);
    const { api } = bench.github;
    const kept = api.openPull({ head: 'subissue/1-2' });
    const keptCheck = api.addCheckRun(kept.number, { name: 'lint', status: 'in_progress', title: 'unused import' });
    const released = api.openPull({ head: 'subissue/1-3' });
    const releasedCheck = api.addCheckRun(released.number, { name: 'lint', status: 'in_progress', title: 'line too long' });
    await delivered(bench, [{ subissue: '2', pr: kept.number }, { subissue: '3', pr: released.number }, { subissue: '4' }]);
    const { round, queued } = watcher(bench);
    await round();

    // Both checks fail once the watcher has seen both pull requests and one of them is released.
    const release = await bench.queue(['release', '3']);
    for (const id of [keptCheck, releasedCheck]) api.changeCheckRun(id, { status: 'completed', conclusion: 'failure' });
    expect(release.exitCode).toBe(0);
    expect(release.stdout).toContain(`Released pull request #${released.number} of ${REPO}#3`);
    const requestsBefore = api.requests.filter((request) => request.path.includes(`/pulls/${released.number}`)).length;
    await round();
    await round();
    // The failing pull request not released gets its follow-up; the released one none, and is not looked at.
    expect(queued).toEqual(['fix-ci #2']);
    expect(api.requests.filter((request) => request.path.includes(`/pulls/${released.number}`)).length).toBe(requestsBefore);

    const list = json<ListJson>(await bench.queue(['list', '--json']));
    expect(list.tasks.find((task) => task.subissue === '3')?.pull_request).toMatchObject({ state: 'released' });
    expect((await bench.queue(['status'])).stdout).toMatch(/done #3 -> pull request #\d+ \S+ \(released\)/);

    // No pull request, or one released already: one sentence, nothing changed.
    const none = await bench.queue(['release', '4']);
    expect(none.exitCode).toBe(1);
    expect(none.stderr.trim()).toMatch(
      /^worker-queue: octo\/widgets#4 \(id:\d+\) has no pull request the pool follows; only a task whose pull request is open can be released\.$/,
    );
    const again = await bench.queue(['release', '3', '2']);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('released already');
    expect((await openPullWatchStore(bench.worker.paths).read()).pulls['2']?.released_at).toBeUndefined();

    // Released, it is finished for clean; the other (open) stays.
    const clean = await bench.queue(['clean', '0']);
    expect(clean.stdout).toContain(`Kept 1 finished task whose pull request is still open (${REPO}#2)`);
    expect((await bench.worker.backend.list()).map((task) => `${task.subissue} ${task.status}`).sort()).toEqual(['2 done', '2 queued']);
    // Released, its queued follow-up goes too: the pool acts no more on that pull request.
    const last = await bench.queue(['release', '2']);
    expect(last.stdout).toMatch(
      new RegExp(`^Released pull request #${kept.number} of ${REPO}#2: .* Removed its queued fix-ci follow-up \\(id:\\d+\\)\\.$`, 'm'),
    );
    expect((await bench.worker.backend.list()).map((task) => `${task.subissue} ${task.status}`)).toEqual(['2 done']);
  }, 90_000);

  it("status in repository B does not show repository A's parents; --all shows both with their repository", async () => {
    const bench = await makeGithubWorkerBench(ISSUES);
    await delivered(bench, [
      { subissue: '2', parent: '1' },
      { subissue: '12', parent: '10', repo: 'octo/gadgets' },
    ]);
    const inB = { GITHUB_REPOSITORY: 'octo/gadgets' };
    const statusIn = (args: string[], env: Record<string, string> = {}) =>
      runBin('worker-queue', args, { home: bench.worker.home, cwd: bench.worker.repo, env: { ...bench.env, ...env } });

    const scoped = json<StatusJson>(await statusIn(['status', '--json'], inB));
    expect(scoped.repo).toBe('octo/gadgets');
    expect(scoped.parents.map((parent) => parent.parent)).toEqual(['10']);
    const textInB = (await statusIn(['status'], inB)).stdout;
    expect(textInB).not.toMatch(/^#1\b/m);
    expect(textInB).toMatch(/^Showing octo\/gadgets; 1 task\(s\) of other repositories: worker-queue status --all shows them\.$/m);

    const all = json<StatusJson>(await statusIn(['status', '--all', '--json'], inB));
    expect(all.repo).toBeNull();
    expect(all.parents.map((parent) => `${parent.repo} #${parent.parent}`).sort()).toEqual([`octo/gadgets #10`, `${REPO} #1`]);
    const text = (await statusIn(['status', '--all'], inB)).stdout;
    expect(text).toMatch(/^#1 \(octo\/widgets\): 1\/1 done$/m);
    expect(text).toMatch(/^#10 \(octo\/gadgets\): 1\/1 done$/m);
  }, 90_000);
});
