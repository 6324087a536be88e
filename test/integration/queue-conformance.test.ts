import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { dataPaths } from '../../src/core/paths.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import type { QueueBackend } from '../../src/queue/backend.js';
import { openQueueBackend } from '../../src/queue/open-backend.js';
import { migrateDatabase } from '../../src/adapters/postgres/shared-database.js';
import { startPostgresCluster, type PostgresCluster } from '../helpers/postgres-cluster.js';
import { isolatedPueue, type IsolatedPueue } from '../helpers/pueue-daemon.js';
import { queueClaimerScript, startQueueChild } from '../helpers/queue-child.js';
import { gatedAgent, processesWithMarker, stubbornAgent } from '../helpers/queue-probes.js';
import { describeWith, haveTools, type Tool } from '../helpers/requires.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

interface Harness {
  readonly backend: QueueBackend;
  readonly root: string;
  readonly open: () => Promise<QueueBackend>;
  readonly child: {
    readonly backend: QueueBackend['name'];
    readonly group: string;
    readonly pueueConfigPath?: string;
    readonly databaseUrl?: string;
  };
}

let groupCounter = 0;

/** One suite, run against every backend: what the worker, manager and worker-queue rely on. */
function describeConformance(name: QueueBackend['name'], tools: readonly Tool[], daemon: () => IsolatedPueue | undefined) {
  describeWith(tools, `${name} backend conformance`, () => {
    let h: Harness;

    beforeEach(async () => {
      const root = makeTempDir('hw-queue-');
      const pueueConfigPath = daemon()?.configPath;
      // postgres: a fresh, migrated database per test on the file's cluster.
      const databaseUrl = name === 'postgres' ? await postgres!.createDatabase() : undefined;
      const env = databaseUrl === undefined ? process.env : { ...process.env, WORKERS_DATABASE_URL: databaseUrl };
      if (databaseUrl !== undefined) await migrateDatabase(env);
      // A group per test keeps each test's tasks apart on the shared daemon.
      const settings = { ...DEFAULT_SETTINGS, WORKER_BACKEND: name, PUEUE_GROUP: `q${process.pid}-${(groupCounter += 1)}` };
      const open = async () =>
        (await openQueueBackend({ paths: dataPaths(root), settings, env, ...(pueueConfigPath ? { pueueConfigPath } : {}) })).backend;
      const child = {
        backend: name,
        group: settings.PUEUE_GROUP,
        ...(pueueConfigPath ? { pueueConfigPath } : {}),
        ...(databaseUrl ? { databaseUrl } : {}),
      };
      h = { backend: await open(), root, open, child };
    });

    it('adds tasks and lists them with their facts', async () => {
      const added = await h.backend.add({ subissue: '101', parent: '7', priority: 2 });
      expect(added).toMatchObject({
        subissue: '101',
        parent: '7',
        priority: 2,
        status: 'queued',
        workerId: null,
        attempts: 0,
        lastError: null,
      });
      expect(Date.parse(added.createdAt)).not.toBeNaN();
      expect(await h.backend.list()).toEqual([added]);
      expect(await h.backend.get(added.id)).toEqual(added);
      expect(await h.backend.get('999999')).toBeUndefined();
      expect(h.backend.name).toBe(name);
    });

    it('refuses a subissue that is already queued unless forced', async () => {
      await h.backend.add({ subissue: '5', parent: '1', priority: 3 });
      await expect(h.backend.add({ subissue: '5', parent: '1', priority: 3 })).rejects.toMatchObject({ kind: 'conflict' });
      await h.backend.add({ subissue: '5', parent: '1', priority: 3 }, { force: true });
      expect(await h.backend.list()).toHaveLength(2);
    });

    it("records each task's repository; one sub-issue number is one task per repository; a worker claims only its repository's tasks", async () => {
      const a = await h.backend.add({ subissue: '514', parent: '1', priority: 1, repo: 'acme/a' });
      const b = await h.backend.add({ subissue: '514', parent: '1', priority: 2, repo: 'acme/b' });
      await expect(h.backend.add({ subissue: '514', parent: '1', priority: 1, repo: 'acme/a' })).rejects.toMatchObject({
        kind: 'conflict',
      });
      expect((await h.open().then((fresh) => fresh.list())).map((task) => [task.subissue, task.repo])).toEqual([
        ['514', 'acme/a'],
        ['514', 'acme/b'],
      ]);
      expect(await h.backend.claim(1, { repo: 'acme/c' })).toBeUndefined();
      expect(await h.backend.claim(1, { repo: 'acme/b' })).toMatchObject({ id: b.id, repo: 'acme/b' });
      expect(await h.backend.claim(2, { repo: 'acme/a' })).toMatchObject({ id: a.id, repo: 'acme/a' });
    });

    it("records a follow-up's kind (fix-ci, address-review, resolve-conflict) with the task; a task itself has none; an unknown kind is refused", async () => {
      const plain = await h.backend.add({ subissue: '515', parent: '1', priority: 5, repo: 'acme/a' });
      const followUp = await h.backend.add({ subissue: '516', parent: '1', priority: 1, repo: 'acme/a', kind: 'fix-ci' });
      await h.backend.addMany([
        { subissue: '517', parent: '1', priority: 1, repo: 'acme/a', kind: 'address-review' },
        { subissue: '519', parent: '1', priority: 1, repo: 'acme/a', kind: 'resolve-conflict' },
      ]);
      expect(followUp.kind).toBe('fix-ci');
      const fresh = await (await h.open()).list();
      expect(fresh.map((task) => [task.subissue, task.kind ?? null])).toEqual([
        ['515', null],
        ['516', 'fix-ci'],
        ['517', 'address-review'],
        ['519', 'resolve-conflict'],
      ]);
      expect(plain.kind).toBeUndefined();
      await expect(h.backend.add({ subissue: '518', parent: '1', priority: 1, kind: 'rm -rf' as never })).rejects.toThrow(/task kind/);
      expect(await h.backend.claim(1, { repo: 'acme/a' })).toMatchObject({ id: followUp.id, kind: 'fix-ci' });
    });

    it('a task a person cancelled is finished: listed cancelled, counted apart, retried like any finished task', async () => {
      const task = await h.backend.add({ subissue: '77', parent: '1', priority: 1 });
      await h.backend.claim(1);
      await h.backend.finish(task.id, { status: 'cancelled', error: 'killed by the user' });
      expect(await h.backend.get(task.id)).toMatchObject({ status: 'cancelled', lastError: 'killed by the user' });
      expect(await h.backend.depth()).toMatchObject({ cancelled: 1, failed: 0, queued: 0 });
      await h.backend.requeue(task.id, { attempts: 0 });
      expect(await h.backend.get(task.id)).toMatchObject({ status: 'queued' });
    });

    it('adds many at once in their order, skipping a subissue already active or repeated, and refuses a bad one whole', async () => {
      await h.backend.add({ subissue: '20', parent: '2', priority: 3 });
      const result = await h.backend.addMany([
        { subissue: '21', parent: '2', priority: 4 },
        { subissue: '20', parent: '2', priority: 3 },
        { subissue: '22', parent: '2', priority: 1 },
        { subissue: '21', parent: '2', priority: 4 },
      ]);
      expect(result).toEqual({ added: 2, skippedActive: ['20', '21'] });
      expect((await h.backend.list()).map((task) => [task.subissue, task.priority])).toEqual([
        ['20', 3],
        ['21', 4],
        ['22', 1],
      ]);
      await expect(
        h.backend.addMany([
          { subissue: '23', parent: '2', priority: 1 },
          { subissue: '$(id)', parent: '2', priority: 1 },
        ]),
      ).rejects.toMatchObject({ kind: 'usage' });
      expect(await h.backend.list()).toHaveLength(3);
    });

    it('refuses hostile ids and out-of-range priorities and changes nothing', async () => {
      for (const spec of [
        { subissue: '1;touch /tmp/x', parent: '1', priority: 1 },
        { subissue: '$(id)', parent: '1', priority: 1 },
        { subissue: '1', parent: '1\'"', priority: 1 },
        { subissue: '1\n2', parent: '1', priority: 1 },
        { subissue: '1', parent: '1', priority: 0 },
        { subissue: '1', parent: '1', priority: 100 },
        { subissue: '1', parent: '1', priority: 1.5 },
      ]) {
        await expect(h.backend.add(spec)).rejects.toMatchObject({ kind: 'usage' });
      }
      expect(await h.backend.list()).toEqual([]);
    });

    it('never hands out a task with an open blocker; setBlockers([]) makes it claimable; addMany keeps each task its blockers', async () => {
      const blocker = await h.backend.add({ subissue: '201', parent: '1', priority: 5, repo: 'o/r' });
      // More urgent, but blocked: the claim passes it by.
      const blocked = await h.backend.add({ subissue: '202', parent: '1', priority: 1, repo: 'o/r', blockedBy: ['201', 'o/other#9'] });
      expect(blocked.blockedBy).toEqual(['201', 'o/other#9']);
      await h.backend.addMany([{ subissue: '203', parent: '1', priority: 1, repo: 'o/r', blockedBy: ['202'] }]);
      expect((await h.backend.list()).find((task) => task.subissue === '203')?.blockedBy).toEqual(['202']);
      expect((await h.backend.claim(1))?.id).toBe(blocker.id);
      expect(await h.backend.claim(2)).toBeUndefined();
      await h.backend.setBlockers(blocked.id, ['o/other#9']);
      expect((await h.backend.get(blocked.id))?.blockedBy).toEqual(['o/other#9']);
      expect(await h.backend.claim(2)).toBeUndefined();
      await h.backend.setBlockers(blocked.id, []);
      expect((await h.backend.get(blocked.id))?.blockedBy).toBeUndefined();
      expect((await h.backend.claim(2))?.id).toBe(blocked.id);
      // A blocker that is not an issue is refused, and nothing changes.
      await expect(h.backend.add({ subissue: '204', parent: '1', priority: 1, blockedBy: ['x; rm'] })).rejects.toMatchObject({
        kind: 'usage',
      });
      expect(await h.backend.list()).toHaveLength(3);
    });

    it("gives a task of unknown repository its repository once; then only that repository's workers claim it", async () => {
      const old = await h.backend.add({ subissue: '31', parent: '3', priority: 1 });
      expect(old.repo).toBeUndefined();
      await h.backend.assignRepository(old.id, 'o/r');
      expect((await h.backend.get(old.id))?.repo).toBe('o/r');
      await expect(h.backend.assignRepository(old.id, 'o/other')).rejects.toMatchObject({ kind: 'conflict' });
      expect((await h.backend.get(old.id))?.repo).toBe('o/r');
      expect(await h.backend.claim(1, { repo: 'o/other' })).toBeUndefined();
      expect((await h.backend.claim(2, { repo: 'o/r' }))?.id).toBe(old.id);
    });

    it('claims the lowest priority number first, then the oldest; a worker gets its held task back', async () => {
      const late = await h.backend.add({ subissue: '1', parent: '9', priority: 5 });
      const urgent = await h.backend.add({ subissue: '2', parent: '9', priority: 1 });
      const later = await h.backend.add({ subissue: '3', parent: '9', priority: 5 });
      const first = await h.backend.claim(1);
      expect(first).toMatchObject({ id: urgent.id, status: 'claimed', workerId: 1 });
      expect(await h.backend.claim(1)).toMatchObject({ id: urgent.id });
      expect((await h.backend.claim(2))?.id).toBe(late.id);
      expect((await h.backend.claim(3))?.id).toBe(later.id);
      expect(await h.backend.claim(4)).toBeUndefined();
      expect(await h.backend.depth()).toMatchObject({ queued: 0, claimed: 3, running: 0 });
    });

    it('runs an attempt, reports its exit code, requeues and runs another attempt', async () => {
      const task = await h.backend.add({ subissue: '11', parent: '2', priority: 1 });
      await h.backend.claim(1);
      expect(await h.backend.observeRun(task.id)).toEqual({ state: 'none' });
      const go = join(h.root, 'go');
      await h.backend.startRun(task.id, { argv: gatedAgent(go, 3), cwd: h.root, env: {} });
      await waitFor(async () => (await h.backend.observeRun(task.id)).state === 'running', { what: 'running', timeoutMs: 30_000 });
      expect(await h.backend.depth()).toMatchObject({ running: 1 });
      writeFileSync(go, '');
      const ended = await waitFor(
        async () => {
          const seen = await h.backend.observeRun(task.id);
          return seen.state === 'exited' ? seen : undefined;
        },
        { what: 'exit', timeoutMs: 30_000 },
      );
      expect(ended.exitCode).toBe(3);
      expect((await h.backend.get(task.id))?.attempts).toBe(1);

      await h.backend.requeue(task.id, { error: 'exit 3' });
      expect(await h.backend.get(task.id)).toMatchObject({ status: 'queued', workerId: null, lastError: 'exit 3', attempts: 1 });
      expect((await h.backend.claim(2))?.id).toBe(task.id);
      await h.backend.startRun(task.id, { argv: [process.execPath, '-e', 'process.exit(0)'], cwd: h.root, env: {} });
      await waitFor(async () => (await h.backend.observeRun(task.id)).state === 'exited', { what: 'second exit', timeoutMs: 30_000 });
      expect(await h.backend.observeRun(task.id)).toMatchObject({ state: 'exited', exitCode: 0 });
      expect((await h.backend.get(task.id))?.attempts).toBe(2);
      await h.backend.finish(task.id, { status: 'done' });
      expect(await h.backend.get(task.id)).toMatchObject({ status: 'done' });
      expect((await h.backend.get(task.id))?.finishedAt).not.toBeNull();
    });

    it('passes hostile argv and env values to the agent literally: no shell ever runs them', async () => {
      const task = await h.backend.add({ subissue: '12', parent: '2', priority: 1 });
      await h.backend.claim(1);
      const pwned = join(h.root, 'pwned');
      const hostile = [`; touch ${pwned}`, `$(touch ${pwned})`, `\`touch ${pwned}\``, `'"; touch ${pwned}; "'`, `a\nb && touch ${pwned}`];
      const out = join(h.root, 'seen.json');
      const script = `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ argv: process.argv.slice(1), env: process.env.HOSTILE, cwd: process.cwd() }))`;
      const cwd = makeTempDir('hw-cwd $(touch x) ;');
      await h.backend.startRun(task.id, { argv: [process.execPath, '-e', script, ...hostile], cwd, env: { HOSTILE: hostile[1]! } });
      await waitFor(async () => (await h.backend.observeRun(task.id)).state === 'exited', { what: 'exit', timeoutMs: 30_000 });
      expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ argv: hostile, env: hostile[1], cwd });
      expect(existsSync(pwned)).toBe(false);
    });

    it('kills the whole process group: SIGTERM, then SIGKILL after the grace period; nothing survives', async () => {
      const task = await h.backend.add({ subissue: '13', parent: '2', priority: 1 });
      await h.backend.claim(1);
      const marker = `hw-stubborn-${process.pid}-${Date.now()}`;
      await h.backend.startRun(task.id, { argv: stubbornAgent(marker), cwd: h.root, env: {} });
      await waitFor(() => processesWithMarker(marker, { withoutRunner: true }).length === 2, {
        what: 'agent and grandchild',
        timeoutMs: 30_000,
      });
      await h.backend.killRun(task.id, 300);
      expect(processesWithMarker(marker)).toEqual([]);
      expect((await h.backend.observeRun(task.id)).state).toBe('killed');
    });

    it('finishes, counts, cleans old finished tasks and removes tasks', async () => {
      const a = await h.backend.add({ subissue: '21', parent: '3', priority: 1 });
      const b = await h.backend.add({ subissue: '22', parent: '3', priority: 2 });
      const c = await h.backend.add({ subissue: '23', parent: '3', priority: 3 });
      await h.backend.claim(1);
      await h.backend.finish(a.id, { status: 'failed', error: 'gave up' });
      await h.backend.claim(2);
      await h.backend.finish(b.id, { status: 'review' });
      expect(await h.backend.depth()).toEqual({ queued: 1, claimed: 0, running: 0, done: 0, failed: 1, review: 1, cancelled: 0 });
      expect(await h.backend.get(a.id)).toMatchObject({ status: 'failed', lastError: 'gave up' });
      expect(await h.backend.clean(1)).toBe(0);
      expect(await h.backend.clean(0)).toBe(2);
      expect((await h.backend.list()).map((task) => task.id)).toEqual([c.id]);
      await h.backend.remove(c.id);
      expect(await h.backend.list()).toEqual([]);
      await expect(h.backend.remove(c.id)).rejects.toMatchObject({ kind: 'not-found' });
      await expect(h.backend.requeue('424242')).rejects.toMatchObject({ kind: 'not-found' });
    });

    it('16 processes claiming from 200 tasks: every task is claimed exactly once', async () => {
      const added = [];
      for (let batch = 0; batch < 20; batch += 1) {
        const specs = Array.from({ length: 10 }, (_unused, index) => ({
          subissue: String(batch * 10 + index + 1),
          parent: '1',
          priority: 1 + (index % 5),
        }));
        added.push(...(await Promise.all(specs.map((spec) => h.backend.add(spec)))));
      }
      const script = await queueClaimerScript();
      const results = await Promise.all(
        Array.from({ length: 16 }, (_unused, index) =>
          startQueueChild(script, { root: h.root, workerId: index + 1, mode: 'claim-all', ...h.child }),
        ),
      );
      for (const result of results) expect(result.exitCode, String(result.stderr)).toBe(0);
      const claimed = results.flatMap((result) => String(result.stdout).split('\n').filter(Boolean));
      expect(claimed).toHaveLength(200);
      expect(new Set(claimed).size).toBe(200);
      expect([...claimed].sort()).toEqual(added.map((task) => task.id).sort());
      expect(await h.backend.depth()).toMatchObject({ queued: 0, claimed: 0, done: 200 });
    }, 300_000);

    it('a worker killed with SIGKILL leaves its run going; a new claimer re-attaches and sees the real exit code', async () => {
      const task = await h.backend.add({ subissue: '31', parent: '4', priority: 1 });
      const go = join(h.root, 'go');
      const worker = startQueueChild(await queueClaimerScript(), {
        root: h.root,
        workerId: 7,
        mode: 'start-and-hang',
        argv: gatedAgent(go, 42),
        ...h.child,
      });
      let output = '';
      worker.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await waitFor(() => output.includes(`started ${task.id}`), { what: 'worker started the run', timeoutMs: 60_000 });
      worker.kill('SIGKILL');
      await worker;
      const restarted = await h.open();
      expect(await restarted.claim(7)).toMatchObject({ id: task.id, workerId: 7, attempts: 1 });
      expect((await restarted.observeRun(task.id)).state).toBe('running');
      writeFileSync(go, '');
      await waitFor(async () => (await restarted.observeRun(task.id)).state === 'exited', { what: 'exit', timeoutMs: 30_000 });
      expect(await restarted.observeRun(task.id)).toMatchObject({ state: 'exited', exitCode: 42 });
    }, 120_000);
  });
}

let pueue: IsolatedPueue | undefined;
let postgres: PostgresCluster | undefined;

beforeAll(async () => {
  if (haveTools(['postgres'])) postgres = await startPostgresCluster();
  if (!haveTools(['pueue'])) return;
  pueue = isolatedPueue();
  await pueue.start();
}, 120_000);

afterAll(async () => {
  await pueue?.stop();
  await postgres?.stop();
});

describeConformance('embedded', [], () => undefined);
describeConformance('pueue', ['pueue'], () => pueue);
describeConformance('postgres', ['postgres'], () => undefined);
