#!/usr/bin/env node
// DEMO AGENT: a stand-in for Claude Code used only by `npm run demo`. It does not think: it writes
// one small file for the sub-issue and commits it on the task's branch. Every fourth sub-issue
// fails on its first attempt, so the demo shows the worker's retry with backoff.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The task's own variables are all an agent gets of the worker's environment (docs/SPEC.md section 7.1).
const { TASK_ID: task, PARENT_ISSUE: parent, WORKER_ID: worker, ATTEMPT: attempt } = process.env;
const say = (line) => process.stdout.write(`[demo agent] ${line}\n`);

if (Number(task) % 4 === 0 && attempt === '1') {
  say(`sub-issue ${task}: failing on purpose this first time, so the retry shows`);
  process.exit(1);
}

// A little work time, so the dashboard shows workers busy.
await new Promise((resolve) => setTimeout(resolve, 1500 + Math.random() * 2500));
mkdirSync('demo', { recursive: true });
writeFileSync(join('demo', `subissue-${task}.md`), `# Sub-issue ${task} of #${parent}\n\nDone by worker ${worker} (demo agent).\n`);
const git = (...args) => execFileSync('git', args, { stdio: ['ignore', 'pipe', 'pipe'] });
git('add', 'demo');
git(
  '-c',
  'user.name=Demo Agent',
  '-c',
  'user.email=demo-agent@example.invalid',
  '-c',
  'commit.gpgsign=false',
  'commit',
  '-q',
  '-m',
  `demo: resolve sub-issue ${task} of #${parent}`,
);
say(`sub-issue ${task}: committed demo/subissue-${task}.md`);
