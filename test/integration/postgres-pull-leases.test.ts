import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { makeGithubBench } from '../helpers/github-api/gh-env.js';
import { makeManagerGithubBench } from '../helpers/github-api/manager-bench.js';
import { git } from '../helpers/git-repo.js';
import { freshDatabase } from '../helpers/postgres-host.js';
import { usePrivateCluster } from '../helpers/private-cluster.js';
import { describeWith } from '../helpers/requires.js';
import { waitFor } from '../helpers/wait-for.js';

/*
 * On PostgreSQL one watcher acts on a pull request across the fleet (docs/SPEC.md section 14.2):
 * two managers, each with its own data root and host name, share the database and one GitHub.
 */

const cluster = usePrivateCluster();

describeWith(['postgres', 'git', 'gh', 'tmux'], 'pull-request leases on PostgreSQL', () => {
  it("a lease is one holder's until it runs out, renewed by its holder, then another may take it", async () => {
    const url = await freshDatabase(cluster());
    const bench = await makeManagerGithubBench({ WORKER_BACKEND: 'postgres', WORKERS_DATABASE_URL: url, WORKER_HOST: 'a' });
    const leases = bench.backend.capabilities.pullRequestLeases!;
    expect(await leases.take('octo/widgets#1', 'a:/root', 1500)).toBe(true);
    expect(await leases.take('octo/widgets#1', 'b:/root', 1500)).toBe(false);
    expect(await leases.take('octo/widgets#2', 'b:/root', 1500)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await leases.renew('a:/root', 1500);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await leases.take('octo/widgets#1', 'b:/root', 1500)).toBe(false);
    await waitFor(() => leases.take('octo/widgets#1', 'b:/root', 1500), { what: 'the lease to run out', timeoutMs: 10_000 });
    expect(await leases.take('octo/widgets#1', 'a:/root', 1500)).toBe(false);
  }, 60_000);

  it('two managers on two data roots sharing the database: only one acts on a pull request (one merge attempt, one refusal told), never both', async () => {
    const url = await freshDatabase(cluster());
    const github = await makeGithubBench();
    const shared = { WORKER_BACKEND: 'postgres', WORKERS_DATABASE_URL: url, AUTO_MERGE: 'squash' };
    const [a, b] = [
      await makeManagerGithubBench({ ...shared, WORKER_HOST: 'a' }, github),
      await makeManagerGithubBench({ ...shared, WORKER_HOST: 'b' }, github),
    ];
    git(github.repo, 'checkout', '-q', '-b', 'subissue/1-2');
    writeFileSync(join(github.repo, 'two.txt'), 'two\n');
    git(github.repo, 'add', 'two.txt');
    git(github.repo, 'commit', '-q', '-m', 'add two');
    git(github.repo, 'push', '-q', 'origin', 'subissue/1-2');
    const pull = github.api.openPull({ head: 'subissue/1-2' });
    github.api.addCheckRun(pull.number, { name: 'test' });
    github.api.addReview(pull.number, { login: 'maintainer', state: 'APPROVED', association: 'MEMBER' });
    // The first merge is refused: without one watcher per pull request, the other host's would try again and merge.
    github.api.addFault({ method: 'PUT', path: /\/merge$/, status: 405, message: 'Required status check "deploy" is expected.', times: 1 });
    await a.delivered([{ subissue: '2', pr: pull.number }]);

    const managers = [a.startManager(), b.startManager()];
    try {
      await waitFor(() => [a, b].every((bench) => bench.log().includes(`Following pull request #${pull.number}`)), {
        timeoutMs: 60_000,
        what: 'both watchers following the pull request',
      });
      await waitFor(() => `${a.log()}${b.log()}`.includes('GitHub refused to merge'), { timeoutMs: 30_000, what: 'the refusal' });
      // Several rounds of both watchers (PR_POLL_INTERVAL=5 s).
      await new Promise((resolve) => setTimeout(resolve, 12_000));
    } finally {
      await Promise.all(managers.map((manager) => manager.stop()));
    }
    const merges = github.api.requests.filter((request) => request.method === 'PUT');
    expect(merges).toHaveLength(1);
    expect(`${a.log()}${b.log()}`.match(/GitHub refused to merge/g)).toHaveLength(1);
    expect(github.api.pulls()[0]?.merged).toBe(false);
  }, 180_000);
});
