import { describe, expect, it } from 'vitest';
import { runBin } from '../helpers/run-bin.js';
import { makeWorkerBench } from '../helpers/worker-harness.js';

/*
 * docs/SPEC.md section 3: a task queued before repositories were recorded is "repository
 * unknown"; `list` names the command that gives it one, and `worker-queue assign` does, once.
 */
describe('worker-queue assign', () => {
  it('gives a task of unknown repository the current repository, named by list; refuses a task that has one, and a second active task of a sub-issue', async () => {
    const bench = await makeWorkerBench('embedded');
    const queue = (args: string[]) => runBin('worker-queue', args, { home: bench.home, env: bench.env, cwd: bench.repo });
    // As queued by a version that recorded no repository.
    const old = await bench.backend.add({ subissue: '61', parent: '6', priority: 1 });
    const twin = await bench.backend.add({ subissue: '62', parent: '6', priority: 1 });
    expect((await queue(['add', '1', '6', '62'])).exitCode).toBe(0);

    const listed = await queue(['list']);
    expect(listed.stderr).toBe(
      `worker-queue: 2 task(s) of unknown repository, which any pool may claim: in their repository's checkout, worker-queue assign id:${old.id} id:${twin.id} gives them its repository (--repo names another).`,
    );

    // All are checked first: the clash of 62 leaves 61 as it was.
    const clash = await queue(['assign', `id:${old.id}`, `id:${twin.id}`]);
    expect(clash.exitCode).toBe(1);
    expect(clash.stderr).toMatch(
      new RegExp(
        `^worker-queue: .*#62 \\(id:\\d+\\) is already queued; remove one of the two before giving #62 \\(repository unknown, id:${twin.id}\\) the repository .*\\.$`,
      ),
    );
    expect((await bench.backend.get(old.id))?.repo).toBeUndefined();

    const assigned = await queue(['assign', `id:${old.id}`]);
    expect(assigned.exitCode, assigned.stderr).toBe(0);
    const repo = (await bench.backend.get(old.id))?.repo;
    expect(repo).toBe(bench.repo);
    expect(assigned.stdout).toBe(`${repo}#61 (id:${old.id}) now belongs to ${repo}: only its pool claims it.`);

    const again = await queue(['assign', '61', '--repo', 'acme/widgets']);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toBe(
      `worker-queue: ${repo}#61 (id:${old.id}) already belongs to ${repo}; only a task of unknown repository is assigned one.`,
    );
    expect((await queue(['remove', `id:${twin.id}`])).exitCode).toBe(0);
    const named = await queue(['assign', '62', '--repo', 'acme/widgets']);
    expect(named.stderr).toMatch(/already belongs to/);
    expect((await queue(['list'])).stderr).toBe('');
  });
});
