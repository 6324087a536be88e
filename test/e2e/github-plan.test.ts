import { afterEach, expect, it } from 'vitest';
import { makeGithubBench } from '../helpers/github-api/gh-env.js';
import { claudeCliEnv } from '../helpers/messages-api/claude-cli-env.js';
import { startMessagesApi, type MessagesApi } from '../helpers/messages-api/server.js';
import { always, text } from '../helpers/messages-api/script.js';
import { describeWith } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';

/* worker-queue plan: the real claude CLI against the scripted Messages API, the real gh against the scripted GitHub. */

const apis: MessagesApi[] = [];
afterEach(async () => {
  for (const api of apis.splice(0)) await api.close();
});

describeWith(['claude', 'gh', 'git'], 'worker-queue plan', () => {
  it('asks Claude Code for sub-issues, creates them on GitHub under the parent and queues them', async () => {
    const github = await makeGithubBench({ issues: [{ number: 50, title: 'Build the widget shop', body: 'A shop for widgets.' }] });
    const plan = [
      { title: 'Catalogue page', body: 'List the widgets.' },
      { title: 'Checkout', body: 'Take the money.' },
    ];
    const api = await startMessagesApi(always(text(`Here is the plan:\n\`\`\`json\n${JSON.stringify(plan)}\n\`\`\``)));
    apis.push(api);
    const data = makeTempDir('hw-plan-data-');
    const env = { ...github.env, ...claudeCliEnv(api), WORKER_BACKEND: 'embedded' };
    const result = await runBin('worker-queue', ['plan', '50', '--yes'], { home: data, cwd: github.repo, env, timeout: 150_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^1\. Catalogue page\n2\. Checkout\nCreated #51, #52 under #50\./);
    expect(JSON.stringify(api.messageRequests()[0]!.body)).toContain('A shop for widgets.');

    expect(github.api.subIssuesOf(50)).toEqual([51, 52]);
    expect(github.api.issue(52)).toMatchObject({ title: 'Checkout', body: 'Take the money.\n\nPart of #50.' });
    const list = JSON.parse(
      (await runBin('worker-queue', ['list', '--all', '--json'], { home: data, env: { WORKER_BACKEND: 'embedded' } })).stdout,
    ) as { tasks: { subissue: string; parent: string }[] };
    expect(list.tasks.map((task) => [task.parent, task.subissue])).toEqual([
      ['50', '51'],
      ['50', '52'],
    ]);

    const noTerminal = await runBin('worker-queue', ['plan', '50'], { home: data, cwd: github.repo, env, timeout: 150_000 });
    expect(noTerminal.stdout).toMatch(/Nothing created: pass --yes to create them without a terminal\./);
    expect(github.api.subIssuesOf(50)).toEqual([51, 52]);
  }, 240_000);

  it('shows the sub-issues a parent already has, asks only for what they leave out, and labels the parent as an issue', async () => {
    const github = await makeGithubBench({
      issues: [
        { number: 60, title: 'Build the widget shop', body: 'A shop for widgets.' },
        { number: 61, title: 'Catalogue page', body: 'List the widgets.', parent: 60 },
        { number: 62, title: 'Checkout', body: 'Take the money.', parent: 60 },
      ],
    });
    const api = await startMessagesApi(always(text(JSON.stringify([{ title: 'Refunds', body: 'Give the money back.' }]))));
    apis.push(api);
    const data = makeTempDir('hw-plan-data-');
    const env = { ...github.env, ...claudeCliEnv(api), WORKER_BACKEND: 'embedded' };
    const result = await runBin('worker-queue', ['plan', '60', '--yes'], { home: data, cwd: github.repo, env, timeout: 150_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^#60 already has 2 sub-issue\(s\):\n {2}#61 \(open\) Catalogue page\n {2}#62 \(open\) Checkout\nPlanning only what they leave out\.\n1\. Refunds\nCreated #63 under #60\./,
    );
    const prompt = JSON.stringify(api.messageRequests()[0]!.body);
    expect(prompt).toContain('Issue #60: Build the widget shop');
    expect(prompt).not.toContain('Sub-issue #60');
    expect(prompt).toContain('#61 (open): Catalogue page');
    expect(prompt).toContain('already has 2 sub-issue(s)');
    expect(github.api.subIssuesOf(60)).toEqual([61, 62, 63]);
  }, 240_000);
});
