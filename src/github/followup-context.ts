import { createHash } from 'node:crypto';
import type { GhContext } from '../adapters/github/gh-api.js';
import { getJobLog, getPullDetail, listCheckRuns, listPullRequests } from '../adapters/github/rest-resources.js';
import type { TaskKind } from '../queue/backend.js';
import { checksOf, type FailingCheck } from './pull-request-watch.js';
import { fetchReviewData } from './review-context.js';
import { conflictText, readConflictSummary } from './conflict-summary.js';

/*
 * What a follow-up's agent is shown (docs/SPEC.md section 14.3): for fix-ci, the failing checks
 * of the branch's open pull request and each failing job's log, trimmed to the part that says why,
 * fenced as data like issue text (a log prints what a pull request's code chose to print).
 */

/** Lines kept of a log: around the first lines naming an error, else its end. */
export const LOG_TAIL_LINES = 80;
const CONTEXT_LINES = 10;
const MAX_LOG_CHARS = 12_000;
const FAILURE_LINE = /\berror\b|\bFAIL(ED)?\b|\bfailed\b|\u2717|AssertionError/i;

// Colour codes and control characters never reach a prompt.
// eslint-disable-next-line no-control-regex -- matching them is the point
const COLOUR = /\u001b\[[0-9;]*m/g;
// eslint-disable-next-line no-control-regex -- matching them is the point
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/** The part of a CI log that says why it failed: the lines around each error line (up to LOG_TAIL_LINES), else the last LOG_TAIL_LINES. */
export function trimLog(log: string): string {
  const lines = log.replace(COLOUR, '').replace(CONTROLS, '').split('\n');
  const hits = lines.flatMap((line, index) => (FAILURE_LINE.test(line) ? [index] : []));
  let kept: string[];
  if (hits.length === 0) kept = lines.slice(-LOG_TAIL_LINES);
  else {
    const wanted = new Set<number>();
    for (const hit of hits) {
      for (let index = Math.max(0, hit - CONTEXT_LINES); index <= Math.min(lines.length - 1, hit + CONTEXT_LINES); index += 1)
        if (wanted.size < LOG_TAIL_LINES) wanted.add(index);
    }
    kept = [...wanted].sort((a, b) => a - b).map((index) => lines[index]!);
  }
  const text = kept.join('\n');
  return text.length > MAX_LOG_CHARS ? text.slice(-MAX_LOG_CHARS) : text;
}

/** The failing checks, each with its log's reason, between CI-DATA markers tagged by their content's hash. */
export function fencedChecks(checks: readonly (FailingCheck & { readonly log?: string })[]): string {
  const inner = checks
    .map((check) =>
      [
        `Check: ${check.name}`,
        `Conclusion: ${check.conclusion}`,
        check.summary ? `Summary: ${check.summary}` : '',
        check.details_url ? `Details: ${check.details_url}` : '',
        check.log ? `Log (trimmed):\n${check.log}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    )
    .join('\n\n');
  const tag = createHash('sha256').update(inner).digest('hex').slice(0, 16);
  return [`<<<CI-DATA ${tag}`, inner, `CI-DATA ${tag}>>>`].join('\n');
}

/**
 * The follow-up's data, read when its attempt starts (so every host sees the same, and the latest):
 * the branch's open pull request and, for fix-ci, its head's failing checks with their logs. A log
 * that cannot be read (not GitHub Actions, no permission) leaves the check's summary and link.
 */
export async function fetchFollowUpData(
  gh: GhContext,
  repo: string,
  branch: string,
  kind: TaskKind,
  /** TRUSTED_COMMENTERS: logins quoted as if they had write access. */
  trusted: readonly string[] = [],
  local?: { readonly repo: string; readonly base: string },
): Promise<string> {
  const pull = (await listPullRequests(gh, repo, branch)).find((candidate) => candidate.state === 'open');
  if (!pull) return `There is no open pull request for ${branch} any more.`;
  const intro = `Pull request #${pull.number} (${pull.html_url}) of branch ${branch}.`;
  if (kind === 'address-review') return `${intro}\n\n${await fetchReviewData(gh, repo, pull.number, trusted)}`;
  // resolve-conflict: the paths and both sides' commits, from the local git against origin's base.
  if (kind === 'resolve-conflict' && local) return `${intro}\n\n${conflictText(await readConflictSummary(local.repo, local.base, branch))}`;
  if (kind !== 'fix-ci') return intro;
  const detail = await getPullDetail(gh, repo, pull.number);
  const runs = (await listCheckRuns(gh, repo, detail.data!.head.sha)).data ?? [];
  const { failing } = checksOf(runs, []);
  const withLogs = await Promise.all(
    failing.map(async (check) => {
      if (check.check_run_id === null) return check;
      const log = await getJobLog(gh, repo, check.check_run_id).catch(() => '');
      return log === '' ? check : { ...check, log: trimLog(log) };
    }),
  );
  return `${intro}\n\n${fencedChecks(withLogs)}`;
}
