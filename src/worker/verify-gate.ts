import { getCommitsAhead } from '../adapters/git.js';
import type { Verification } from '../github/pull-requests.js';
import { runProjectCommand } from './project-command.js';
import { saveState, type Runtime } from './runtime.js';
import type { TaskState } from './worker-state.js';

/**
 * docs/SPEC.md section 15.3: after an agent round that finished with commits, WORKER_VERIFY_CMD
 * judges them. `deliver`: on to the push and pull request (verified, or out of rounds: the
 * result in `ts.verify` says which); `fix`: the agent is resumed with the failure's output;
 * `aborted`: the worker is stopping, and the command was stopped with it.
 */
export async function verifyRound(rt: Runtime, ts: TaskState): Promise<'deliver' | 'fix' | 'aborted'> {
  const command = rt.settings.WORKER_VERIFY_CMD.trim();
  if (command === '') return 'deliver';
  // A restart judging the same run again: its round was verified already.
  if (ts.verify?.attempt === ts.attempt) return decide(rt, ts.verify);
  // Nothing to verify: the branch decides (no new work is review).
  if ((await getCommitsAhead(rt.repo, ts.base_branch, ts.branch).catch(() => 0)) === 0) return 'deliver';
  const round = (ts.verify?.rounds ?? 0) + 1;
  rt.say(`task ${ts.subissue}: verifying with \`${command}\` (round ${round} of ${rt.settings.VERIFY_MAX_ROUNDS})`);
  const result = await runProjectCommand(rt, ts, 'verify', command).catch((error: unknown) => ({
    passed: false,
    tail: `the command could not be started: ${(error as Error).message}`,
  }));
  // Stopped with the worker: the round is judged again by whoever takes the task up.
  if (rt.control.aborting) return 'aborted';
  ts.verify = { rounds: round, passed: result.passed, tail: result.passed ? '' : result.tail, attempt: ts.attempt };
  await saveState(rt, ts);
  const next = decide(rt, ts.verify);
  rt.say(
    result.passed
      ? `task ${ts.subissue}: verified with \`${command}\``
      : next === 'fix'
        ? `task ${ts.subissue}: \`${command}\` failed; the agent is resumed to fix it`
        : `task ${ts.subissue}: \`${command}\` still fails after ${round} round(s); the work is delivered unverified`,
  );
  return next;
}

const decide = (rt: Runtime, verify: NonNullable<TaskState['verify']>) =>
  verify.passed || verify.rounds >= rt.settings.VERIFY_MAX_ROUNDS ? 'deliver' : 'fix';

/** The task's verification as the pull request and the history show it; undefined when none ran. */
export function verificationOf(rt: Runtime, ts: TaskState): Verification | undefined {
  if (ts.verify === null) return undefined;
  return { command: rt.settings.WORKER_VERIFY_CMD.trim(), rounds: ts.verify.rounds, passed: ts.verify.passed, tail: ts.verify.tail };
}
