import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';

const ENV = { WORKER_BACKEND: 'embedded' };
const queue = (home: string, args: string[]) => runBin('worker-queue', args, { home, env: ENV });
const queueFile = (home: string) => join(home, 'queue', 'embedded-queue.json');
const setAside = (home: string) => readdirSync(join(home, 'queue')).filter((name) => name.includes('.corrupt-'));
const listed = async (home: string) => {
  const result = await queue(home, ['list', '--json']);
  return {
    ...result,
    ids: (JSON.parse(result.stdout) as { tasks: { id: string; subissue: string }[] }).tasks.map((task) => `${task.id}:${task.subissue}`),
  };
};

async function queueThree(home: string): Promise<void> {
  for (const subissue of ['901', '902', '903']) expect((await queue(home, ['add', '1', '7', subissue])).exitCode).toBe(0);
}

describe('a damaged embedded queue is salvaged task by task', () => {
  it('one bad field: the other tasks stay queued, an ALERT is logged, every command warns, and ids go on above every id seen', async () => {
    const home = makeTempDir();
    await queueThree(home);
    writeFileSync(queueFile(home), readFileSync(queueFile(home), 'utf8').replace('"priority": 1', '"priority": "high"'));

    const first = await listed(home);
    expect(first.ids).toEqual(['2:902', '3:903']);
    expect(first.stderr).toMatch(/Warning: a damaged queue was set aside as .*embedded-queue\.json\.corrupt-/);
    expect(readFileSync(join(home, 'health', 'alerts.log'), 'utf8')).toMatch(
      /The embedded queue was unreadable \(.*tasks\.0\.priority.*\): kept 2 task\(s\), set aside 1 that could not be read; .*new tasks get ids from 4\./,
    );

    // Damaged again, beyond reading: the next id is still above every id in the set-aside files.
    writeFileSync(queueFile(home), 'garbage');
    const added = await queue(home, ['add', '1', '7', '904']);
    expect(added.stdout).toMatch(/^Queued .+#904 \(id:4\): sub-issue of #7, priority 1\.$/);
    expect(added.stderr).toMatch(/Warning: a damaged queue was set aside/);
    expect(setAside(home)).toHaveLength(2);

    for (const name of setAside(home)) rmSync(join(home, 'queue', name));
    expect((await listed(home)).stderr).not.toMatch(/Warning/);
  });

  it('a truncated file keeps its whole tasks and counts the cut-off one', async () => {
    const home = makeTempDir();
    await queueThree(home);
    const text = readFileSync(queueFile(home), 'utf8');
    writeFileSync(queueFile(home), text.slice(0, text.indexOf('"subissue": "903"')));

    expect((await listed(home)).ids).toEqual(['1:901', '2:902']);
    expect(readFileSync(join(home, 'health', 'alerts.log'), 'utf8')).toMatch(
      /not valid JSON\): kept 2 task\(s\), set aside 1 that could not be read/,
    );
    expect((await queue(home, ['add', '1', '7', '904'])).stdout).toMatch(/^Queued .+#904 \(id:4\): sub-issue of #7, priority 1\.$/);
  });
});
