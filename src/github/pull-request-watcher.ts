import { join } from 'node:path';
import { z } from 'zod';
import type { EventLog } from '../core/event-log.js';
import { JsonFile } from '../core/json-store.js';
import type { DataPaths } from '../core/paths.js';
import { GithubError, type GhContext } from '../adapters/github/gh-api.js';
import {
  checkRunListSchema,
  commitStatusSchema,
  getCombinedStatus,
  getIssue,
  getPullDetail,
  listCheckRuns,
  listReviews,
  pullDetailSchema,
  pullPaths,
  rerequestCheckRun,
  reviewSchema,
  type CheckRun,
  type CommitStatus,
  type Conditional,
  type PullDetail,
  type Review,
} from '../adapters/github/rest-resources.js';
import type { TaskHistoryStore } from '../history/task-history-store.js';
import type { QueueBackend, QueueTask, TaskKind } from '../queue/backend.js';
import { cycleText, findCycles, issueKey, openBlockerKeys, releaseBlockers } from '../queue/blockers.js';
import { blockerName, taskName } from '../queue/task-rules.js';
import { mergePull, type MergeMethod } from '../adapters/github/merge-pull.js';
import { lookAgainAtSiblings, mergeReadyPulls, type MergeHands } from './auto-merge.js';
import { decideFollowUp, emptyMemory, plainMemory, type FollowUpMemory } from './pull-request-followups.js';
import { retargetStackedPulls } from './stack-retarget.js';
import {
  CHECK_STATES,
  PULL_STATES,
  changesRequestedReview,
  isFinal,
  pollDelayMs,
  pullVerdict,
  type PullState,
  type ChecksState,
} from './pull-request-watch.js';

/*
 * The pull-request watcher (docs/SPEC.md section 14.2): every pull request a task of the pool ended
 * in (the task history names it) is looked at through conditional REST requests until it is merged
 * or closed; its state is kept per task in <data root>/github/pull-requests.json.
 */

/** One resource as last read: its path (the checks' follow the head commit), ETag and parsed answer. */
const cached = <T extends z.ZodTypeAny>(data: T) => z.object({ path: z.string(), etag: z.string(), data }).optional();

const failingSchema = z.object({
  name: z.string(),
  conclusion: z.string(),
  summary: z.string(),
  details_url: z.string().nullable(),
  check_run_id: z.number().int().nullable(),
});

const watchedSchema = z.object({
  task_id: z.string(),
  parent: z.string(),
  pr_number: z.number().int().positive(),
  pr_url: z.string(),
  state: z.enum(PULL_STATES),
  checks: z.enum(CHECK_STATES),
  failing: z.array(failingSchema),
  approved_by: z.array(z.string()),
  head_sha: z.string().nullable(),
  /** The last time anything GitHub said of it changed (or its updated_at at the first look). */
  last_change_at: z.string(),
  checked_at: z.string().nullable(),
  next_poll_at: z.string(),
  /** The last look's failure, if it failed. */
  error: z.string().nullable(),
  /** Follow-ups (docs/SPEC.md section 14.3); absent in files written before them. */
  followups: z
    .object({
      counts: z.record(z.number().int().nonnegative()),
      acted_on: z.record(z.string()),
      rerun: z.array(z.string()),
      told: z.array(z.string()),
    })
    .optional(),
  /** The last thing a person must act on (follow-ups exhausted, approval needed, merge refused): notified once each. */
  attention: z.object({ at: z.string(), message: z.string() }).nullable().optional(),
  /** On a shared queue: another host's watcher holds its lease, acts on it and tells about it. */
  elsewhere: z.boolean().optional(),
  /** `worker-queue release`: when a person told the pool to stop acting on it (docs/SPEC.md section 14.2). */
  released_at: z.string().optional(),
  /**
   * When GitHub says it was opened, merged, closed (the watcher's own time of seeing the merge or
   * close when GitHub gave none); absent in files written before outcomes were reported.
   */
  opened_at: z.string().nullable().optional(),
  merged_at: z.string().nullable().optional(),
  closed_at: z.string().nullable().optional(),
  /** The last base check (docs/SPEC.md section 14.6): `<base sha>:<head sha>:<mergeable_state>`; absent before the first. */
  base_check: z.string().optional(),
  cache: z.object({
    pull: cached(pullDetailSchema),
    reviews: cached(z.array(reviewSchema)),
    check_runs: cached(checkRunListSchema),
    statuses: cached(z.array(commitStatusSchema)),
  }),
});
export type WatchedPull = z.infer<typeof watchedSchema>;

const watchFileSchema = z.object({ version: z.literal(1), pulls: z.record(watchedSchema) });
export type PullWatchFile = z.infer<typeof watchFileSchema>;

export const pullRequestsFile = (paths: Pick<DataPaths, 'root'>) => join(paths.root, 'github', 'pull-requests.json');

export function openPullWatchStore(paths: Pick<DataPaths, 'root'>): JsonFile<PullWatchFile> {
  return new JsonFile({ path: pullRequestsFile(paths), schema: watchFileSchema, empty: () => ({ version: 1, pulls: {} }) });
}

/** The four reads of one pull request, each conditional. The watcher uses gh; the benchmark may use plain HTTP. */
export interface PullReader {
  pull(number: number, etag: string | undefined): Promise<Conditional<PullDetail>>;
  reviews(number: number, etag: string | undefined): Promise<Conditional<Review[]>>;
  checkRuns(sha: string, etag: string | undefined): Promise<Conditional<CheckRun[]>>;
  statuses(sha: string, etag: string | undefined): Promise<Conditional<CommitStatus[]>>;
}

export function ghPullReader(gh: GhContext, repo: string): PullReader {
  return {
    pull: (number, etag) => getPullDetail(gh, repo, number, etag),
    reviews: (number, etag) => listReviews(gh, repo, number, etag),
    checkRuns: (sha, etag) => listCheckRuns(gh, repo, sha, etag),
    statuses: (sha, etag) => getCombinedStatus(gh, repo, sha, etag),
  };
}

interface PullLink {
  readonly task_id: string;
  readonly parent: string;
  readonly pr_number: number;
  readonly pr_url: string;
}

/** The pull request each task's latest record names, with its parent. */
async function readPulls(history: Pick<TaskHistoryStore, 'read'>): Promise<Map<string, PullLink>> {
  const links = new Map<string, PullLink>();
  await history.read({
    add: (record) => {
      if (record.pr_url !== undefined && record.pr_number !== undefined) {
        links.set(record.task_id, { task_id: record.task_id, parent: record.parent, pr_number: record.pr_number, pr_url: record.pr_url });
      }
    },
    skip: () => undefined,
  });
  return links;
}

/** What the watcher may do about a pull request that needs work (docs/SPEC.md section 14.3). */
export interface FollowUpHands {
  readonly max: number;
  /** Queues the follow-up; false when a task of that sub-issue is already queued or running (never two at once). */
  queue(spec: { subissue: string; parent: string; kind: TaskKind }): Promise<boolean>;
  /** Re-runs a check run; false when the token may not. */
  rerun(checkRunId: number): Promise<boolean>;
  tell(message: string): Promise<void>;
  say(message: string): Promise<void>;
}

/**
 * Decides and does what a pull request needs after a look, returning the memory to keep. What is
 * done comes first and is remembered after: a watcher killed between the two decides the same
 * again, and the queue refuses a second active task of the sub-issue.
 */
async function actOnPull(hands: FollowUpHands, watched: WatchedPull, reviews: readonly Review[]): Promise<WatchedPull['followups']> {
  const memory: FollowUpMemory = watched.followups ?? emptyMemory();
  const action = decideFollowUp({
    verdict: watched,
    head_sha: watched.head_sha ?? '',
    changesRequestedBy: changesRequestedReview(reviews),
    memory,
    max: hands.max,
    pr: { number: watched.pr_number, url: watched.pr_url },
  });
  if (action.type === 'none') return watched.followups;
  if (action.type === 'tell') {
    await hands.tell(action.message);
    return keep({ ...memory, told: [...memory.told, action.key] });
  }
  if (action.type === 'rerun') {
    let rerunAny = false;
    for (const check of action.checks) {
      const rerun = await hands.rerun(check.check_run_id!);
      rerunAny ||= rerun;
      await hands.say(
        rerun
          ? `Pull request #${watched.pr_number}: re-running the failed check ${check.name} once before an agent is called.`
          : `Pull request #${watched.pr_number}: the check ${check.name} cannot be re-run with this token.`,
      );
    }
    const kept = keep({ ...memory, rerun: [...memory.rerun, ...action.keys] });
    // Nothing could be re-run: the follow-up is decided now, not a look later (docs/SPEC.md section 14.3).
    return rerunAny ? kept : actOnPull(hands, { ...watched, followups: kept }, reviews);
  }
  const queued = await hands.queue({ subissue: watched.task_id, parent: watched.parent, kind: action.kind });
  if (!queued) return watched.followups;
  const count = (memory.counts[action.kind] ?? 0) + 1;
  await hands.say(
    `Pull request #${watched.pr_number}: queued ${action.kind} follow-up ${count} of ${hands.max} for sub-issue #${watched.task_id}.`,
  );
  return keep({
    ...memory,
    counts: { ...memory.counts, [action.kind]: count },
    acted_on: { ...memory.acted_on, [action.kind]: action.on },
  });
}

type KeptMemory = NonNullable<WatchedPull['followups']>;
const keep = (memory: FollowUpMemory): KeptMemory => plainMemory(memory);

export interface WatchRoundDeps {
  readonly repo: string;
  readonly reader: PullReader;
  readonly store: JsonFile<PullWatchFile>;
  readonly history: Pick<TaskHistoryStore, 'read'>;
  readonly now: () => Date;
  readonly intervalMs: number;
  /** Pull requests looked at together (each look is four gh calls). */
  readonly concurrency?: number;
  /** Follow-ups: absent, the watcher only watches. */
  readonly followUps?: FollowUpHands;
  /** AUTO_MERGE (auto-merge.ts): absent, nothing is merged. */
  readonly merges?: MergeHands;
  /** A queue shared by several hosts: only the holder of a pull request's lease acts on it. */
  readonly lease?: PullLease;
}

/** One watcher per pull request across the fleet (docs/SPEC.md section 14.2). */
export interface PullLease {
  /** Renews every lease this watcher holds (each round). */
  renew(): Promise<void>;
  /** Takes or renews the lease of one pull request; false when another watcher holds it. */
  take(prNumber: number): Promise<boolean>;
}

export interface PullTransition {
  readonly task_id: string;
  readonly pr_number: number;
  readonly pr_url: string;
  readonly from: { readonly state: PullState; readonly checks: ChecksState } | null;
  readonly to: { readonly state: PullState; readonly checks: ChecksState };
}

export interface WatchRound {
  readonly looked: number;
  readonly transitions: readonly PullTransition[];
  readonly errors: readonly string[];
  /** The earliest next look of a pull request still followed; null when none is. */
  readonly nextDueAt: number | null;
}

type Cache = WatchedPull['cache'];

/** Reads one resource, sending the kept ETag when the path is the same; a 304 gives back the kept answer. */
async function readCached<T>(
  kept: { path: string; etag: string; data: T } | undefined,
  path: string,
  read: (etag: string | undefined) => Promise<Conditional<T>>,
): Promise<{ entry: { path: string; etag: string; data: T } | undefined; data: T; changed: boolean }> {
  const etag = kept?.path === path ? kept.etag : undefined;
  const answer = await read(etag);
  if (answer.notModified && kept) return { entry: kept, data: kept.data, changed: false };
  const data = answer.data as T;
  const changed = kept === undefined || JSON.stringify(kept.data) !== JSON.stringify(data);
  return { entry: answer.etag === undefined ? undefined : { path, etag: answer.etag, data }, data, changed };
}

/** One look at one pull request: four conditional reads, the verdict, when to look again. */
export async function lookAtPull(
  deps: Pick<WatchRoundDeps, 'repo' | 'reader' | 'intervalMs'>,
  watched: WatchedPull,
  now: Date,
): Promise<WatchedPull> {
  const { repo, reader } = deps;
  const cache: Cache = watched.cache;
  const pull = await readCached(cache.pull, pullPaths.pull(repo, watched.pr_number), (etag) => reader.pull(watched.pr_number, etag));
  const reviews = await readCached(cache.reviews, pullPaths.reviews(repo, watched.pr_number), (etag) =>
    reader.reviews(watched.pr_number, etag),
  );
  const sha = pull.data.head.sha;
  const checkRuns = await readCached(cache.check_runs, pullPaths.checkRuns(repo, sha), (etag) => reader.checkRuns(sha, etag));
  const statuses = await readCached(cache.statuses, pullPaths.statuses(repo, sha), (etag) => reader.statuses(sha, etag));
  const verdict = pullVerdict({ pull: pull.data, reviews: reviews.data, checkRuns: checkRuns.data, statuses: statuses.data });
  const firstLook = watched.checked_at === null;
  const changed = pull.changed || reviews.changed || checkRuns.changed || statuses.changed;
  // At the first look, "when it last changed" is GitHub's updated_at: an old quiet PR backs off at once.
  const lastChange = firstLook ? (pull.data.updated_at ?? now.toISOString()) : changed ? now.toISOString() : watched.last_change_at;
  const delay = pollDelayMs(verdict, Date.parse(lastChange), now.getTime(), deps.intervalMs);
  return {
    ...watched,
    state: verdict.state,
    checks: verdict.checks,
    failing: [...verdict.failing],
    approved_by: [...verdict.approved_by],
    head_sha: sha,
    last_change_at: lastChange,
    checked_at: now.toISOString(),
    next_poll_at: new Date(now.getTime() + delay).toISOString(),
    error: null,
    ...outcomeTimes(watched, pull.data, verdict.state, now),
    cache: {
      ...(pull.entry ? { pull: pull.entry } : {}),
      ...(reviews.entry ? { reviews: reviews.entry } : {}),
      ...(checkRuns.entry ? { check_runs: checkRuns.entry } : {}),
      ...(statuses.entry ? { statuses: statuses.entry } : {}),
    },
  };
}

/** The outcome times (docs/SPEC.md section 14.5): GitHub's, else the first look that saw the merge or close. */
function outcomeTimes(
  watched: WatchedPull,
  pull: PullDetail,
  state: PullState,
  now: Date,
): Pick<WatchedPull, 'opened_at' | 'merged_at' | 'closed_at'> {
  const seen = (given: string | null | undefined, kept: string | null | undefined, happened: boolean) =>
    given ?? kept ?? (happened ? now.toISOString() : null);
  return {
    opened_at: pull.created_at ?? watched.opened_at ?? null,
    merged_at: seen(pull.merged_at, watched.merged_at, state === 'merged'),
    closed_at: seen(pull.closed_at, watched.closed_at, isFinal(state)),
  };
}

const isOfRepo = (url: string, repo: string) => url.toLowerCase().includes(`/${repo.toLowerCase()}/pull/`);

/**
 * One round: new pull requests from the history join the file; every followed one whose next look
 * is due is looked at. A failed look is kept as the entry's error and tried again an interval
 * later; an exhausted rate limit ends the round (the rest wait for the next).
 */
export async function watchRound(deps: WatchRoundDeps): Promise<WatchRound> {
  const now = deps.now();
  await deps.lease?.renew();
  const links = await readPulls(deps.history);
  const file = await deps.store.update((draft) => {
    for (const link of links.values()) {
      const kept = draft.pulls[link.task_id];
      // A task done again may end in another pull request: that one is followed from now on.
      if (kept && kept.pr_number === link.pr_number) continue;
      if (!isOfRepo(link.pr_url, deps.repo)) continue;
      draft.pulls[link.task_id] = {
        ...link,
        state: 'open',
        checks: 'none',
        failing: [],
        approved_by: [],
        head_sha: null,
        last_change_at: now.toISOString(),
        checked_at: null,
        next_poll_at: now.toISOString(),
        error: null,
        cache: {},
      };
    }
    return draft;
  });
  const due = Object.values(file.pulls).filter((pull) => isFollowed(pull) && Date.parse(pull.next_poll_at) <= now.getTime());
  const transitions: PullTransition[] = [];
  const errors: string[] = [];
  let stopped = false;
  const lookAt = async (watched: WatchedPull) => {
    if (stopped) return;
    let next: WatchedPull;
    let seen = true;
    try {
      next = await lookAtPull(deps, watched, deps.now());
    } catch (error) {
      seen = false;
      if (!(error instanceof GithubError)) throw error;
      if (error.failure === 'rate-limit') stopped = true;
      errors.push(`pull request #${watched.pr_number}: ${error.message}`);
      next = { ...watched, error: error.message, next_poll_at: new Date(deps.now().getTime() + deps.intervalMs).toISOString() };
    }
    const acting = seen && (deps.lease === undefined || (await deps.lease.take(watched.pr_number)));
    // Another host's watcher acts on it (and tells about it): this host only keeps its state current.
    if (seen && deps.lease) next = { ...next, elsewhere: !acting };
    // Released while it was looked at: nothing more is done about it.
    if (acting && deps.followUps && isFollowed((await deps.store.read()).pulls[watched.task_id] ?? watched)) {
      let told: string | undefined;
      const hands = { ...deps.followUps, tell: (message: string) => ((told = message), deps.followUps!.tell(message)) };
      const followups = await actOnPull(hands, next, next.cache.reviews?.data ?? []);
      if (followups !== undefined) next = { ...next, followups };
      if (told !== undefined) next = { ...next, attention: { at: deps.now().toISOString(), message: told } };
    }
    await deps.store.update((draft) => {
      // The history may have moved the task to another pull request meanwhile.
      const kept = draft.pulls[watched.task_id];
      if (kept?.pr_number === watched.pr_number)
        draft.pulls[watched.task_id] = kept.released_at === undefined ? next : { ...next, released_at: kept.released_at };
      // Merged by a person: the base moved for its siblings too.
      if (next.state === 'merged' && watched.state !== 'merged') lookAgainAtSiblings(draft, watched.parent, deps.now());
    });
    if (seen && (watched.checked_at === null || watched.state !== next.state || watched.checks !== next.checks)) {
      transitions.push({
        task_id: watched.task_id,
        pr_number: watched.pr_number,
        pr_url: watched.pr_url,
        from: watched.checked_at === null ? null : { state: watched.state, checks: watched.checks },
        to: { state: next.state, checks: next.checks },
      });
    }
  };
  const pending = [...due];
  const workers = Array.from({ length: Math.max(1, deps.concurrency ?? 3) }, async () => {
    for (let watched = pending.shift(); watched; watched = pending.shift()) await lookAt(watched);
  });
  await Promise.all(workers);
  if (deps.merges && !stopped) {
    const lease = deps.lease;
    const merged = await mergeReadyPulls({
      store: deps.store,
      hands: deps.merges,
      now: deps.now,
      ...(lease ? { lease: (prNumber: number) => lease.take(prNumber) } : {}),
    });
    transitions.push(...merged);
  }
  const after = await deps.store.read();
  const followed = Object.values(after.pulls).filter(isFollowed);
  return {
    looked: due.length,
    transitions,
    errors,
    nextDueAt: followed.length === 0 ? null : Math.min(...followed.map((pull) => Date.parse(pull.next_poll_at))),
  };
}

/** Followed by the watcher: neither merged, closed nor released by a person. */
export const isFollowed = (pull: Pick<WatchedPull, 'state' | 'released_at'>) => !isFinal(pull.state) && pull.released_at === undefined;

export const describePull = (pull: Pick<WatchedPull, 'state' | 'checks'>) =>
  pull.state === 'merged' || pull.state === 'closed' || pull.checks === 'none' ? pull.state : `${pull.state}, checks ${pull.checks}`;

/** The log line of a change the watcher saw. */
export function transitionLine(change: PullTransition): string {
  const to = describePull(change.to);
  return change.from === null
    ? `Following pull request #${change.pr_number} of task ${change.task_id}: ${to} (${change.pr_url}).`
    : `Pull request #${change.pr_number} of task ${change.task_id}: ${describePull(change.from)} -> ${to} (${change.pr_url}).`;
}

export interface PullWatcherOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly paths: Pick<DataPaths, 'root'>;
  readonly history: Pick<TaskHistoryStore, 'read'>;
  readonly intervalMs: number;
  readonly now: () => Date;
  /** The queue whose blocked tasks each round releases (docs/SPEC.md section 8.5). */
  readonly openBackend?: () => Promise<QueueBackend>;
  /** STACK_ON_BLOCKERS: a blocker whose task is done with an open pull request no longer holds its dependants (section 8.5). */
  readonly stackOnBlockers?: boolean;
  /** Follow-ups (docs/SPEC.md section 14.3): FOLLOWUP_MAX, and how a follow-up task is queued. Absent: watch only. */
  readonly followUps?: {
    readonly max: number;
    queue(spec: { subissue: string; parent: string; kind: TaskKind; repo: string }): Promise<boolean>;
  };
  /** AUTO_MERGE (docs/SPEC.md section 14.7): how ready pull requests are merged; absent, none is. */
  readonly autoMerge?: MergeMethod;
  /**
   * After each round, with follow-ups: the pool's pull requests checked against their moved base
   * (docs/SPEC.md section 14.6, src/github/base-updates.ts). `busy` says whether a task of the
   * sub-issue is queued or running.
   */
  readonly afterRound?: (round: AfterRound) => Promise<void>;
}

export interface AfterRound {
  readonly store: JsonFile<PullWatchFile>;
  readonly hands: FollowUpHands;
  busy(subissue: string): Promise<boolean>;
}

/**
 * One pass over the blocked tasks: a blocker is finished when its task is done and its pull
 * request merged, or when its issue is closed on GitHub (one read per open blocker per round,
 * never per task per poll). A dependency cycle is said once per process.
 */
async function releaseGithubBlockers(
  gh: GhContext,
  repo: string,
  backend: QueueBackend,
  watched: PullWatchFile,
  reported: Set<string>,
  log: EventLog,
  stack = false,
): Promise<void> {
  const tasks = await backend.list();
  const merged = new Set(
    Object.values(watched.pulls)
      .filter((pull) => pull.state === 'merged')
      .map((pull) => pull.task_id),
  );
  // Stacking: an open pull request is a branch to start from, so its task counts as landed.
  const stackable = new Set(
    stack
      ? Object.values(watched.pulls)
          .filter((pull) => !isFinal(pull.state))
          .map((pull) => pull.task_id)
      : [],
  );
  const landed = (task: QueueTask) =>
    (task.repo === undefined || task.repo === repo) && (merged.has(task.subissue) || stackable.has(task.subissue));
  const done = new Set(tasks.filter((task) => task.status === 'done' && landed(task)).map(issueKey));
  const closedIssues = new Set<string>();
  for (const key of openBlockerKeys(tasks).filter((candidate) => !done.has(candidate))) {
    const hash = key.lastIndexOf('#');
    const issue = await getIssue(gh, key.slice(0, hash) || repo, Number(key.slice(hash + 1))).catch(() => undefined);
    if (issue?.state === 'closed') closedIssues.add(key);
  }
  for (const change of await releaseBlockers(backend, { landed, closedIssues })) {
    const what = change.remaining.length === 0 ? 'may start' : `still waits on ${change.remaining.map(blockerName).join(', ')}`;
    await log.log('INFO', `Task ${taskName(change.task)} no longer waits on ${change.cleared.map(blockerName).join(', ')}: it ${what}.`);
  }
  for (const cycle of findCycles(tasks)) {
    const text = cycleText(cycle, repo);
    if (reported.has(text)) continue;
    reported.add(text);
    await log.log('ALERT', `Dependency cycle: ${text}; none of these starts until one of the dependencies is removed on GitHub.`);
  }
}

function handsFor(
  followUps: NonNullable<PullWatcherOptions['followUps']>,
  mode: { repo: string; gh: GhContext },
  log: EventLog,
): FollowUpHands {
  return {
    max: followUps.max,
    queue: (spec) => followUps.queue({ ...spec, repo: mode.repo }),
    rerun: async (id) => {
      try {
        await rerequestCheckRun(mode.gh, mode.repo, id);
        return true;
      } catch (error) {
        // A token without the checks permission, or a check that is not GitHub Actions': the agent is called.
        if (error instanceof GithubError && (error.failure === 'forbidden' || error.failure === 'not-found' || error.failure === 'refused'))
          return false;
        throw error;
      }
    },
    tell: (message) => log.log('ALERT', message),
    say: (message) => log.log('INFO', message),
  };
}

/** Each task's blockers of the same repository, as task ids: the merge train's order. */
async function sameRepoBlockers(queue: QueueBackend, repo: string): Promise<Map<string, string[]>> {
  const blockers = new Map<string, string[]>();
  for (const task of await queue.list()) {
    if (task.repo !== undefined && task.repo !== repo) continue;
    const ids = (task.blockedBy ?? []).flatMap((blocker) => {
      const hash = blocker.lastIndexOf('#');
      if (hash === -1) return [blocker];
      return blocker.slice(0, hash) === repo ? [blocker.slice(hash + 1)] : [];
    });
    if (ids.length > 0) blockers.set(task.subissue, [...(blockers.get(task.subissue) ?? []), ...ids]);
  }
  return blockers;
}

function mergeHandsFor(method: MergeMethod, mode: { repo: string; gh: GhContext }, queue: QueueBackend, log: EventLog): MergeHands {
  return {
    method,
    merge: (pull) => mergePull(mode.gh, mode.repo, { ...pull, method }),
    blockers: () => sameRepoBlockers(queue, mode.repo),
    tell: (message) => log.log('ALERT', message),
    say: (message) => log.log('INFO', message),
  };
}

/**
 * A queue shared by several hosts leases each pull request to one watcher (its host and data
 * root): the lease outlives a few rounds, so a watcher that stopped hands its pull requests on.
 */
function leaseOf(queue: QueueBackend, repo: string, options: PullWatcherOptions): { lease?: PullLease } {
  const leases = queue.capabilities.pullRequestLeases;
  if (leases === undefined) return {};
  const holder = `${queue.host ?? 'local'}:${options.paths.root}`;
  const ttlMs = Math.max(60_000, 4 * options.intervalMs);
  return {
    lease: {
      renew: () => leases.renew(holder, ttlMs),
      take: (prNumber) => leases.take(`${repo}#${prNumber}`, holder, ttlMs),
    },
  };
}

/** Drops the kept answer for a pull request and makes its next look due at once (its base was just changed). */
async function forgetPull(store: JsonFile<PullWatchFile>, taskId: string, prNumber: number): Promise<void> {
  await store.update((draft) => {
    const kept = draft.pulls[taskId];
    if (kept?.pr_number !== prNumber) return;
    const { pull: _pull, ...cache } = kept.cache;
    draft.pulls[taskId] = { ...kept, cache, next_poll_at: new Date(0).toISOString() };
  });
}

/** How long GitHub mode found off is believed before it is asked again (a person may log in). */
const MODE_RECHECK_MS = 3_600_000;

/**
 * The manager's watcher: `tick` at every pass starts a round when one is due and none runs, and
 * returns at once (a round of many gh calls must not delay a pass). GitHub mode is found once:
 * with no GitHub repository known it costs no process at all.
 */
export function startPullRequestWatcher(options: PullWatcherOptions, log: EventLog): { tick(): void; stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  let mode: { repo: string; gh: GhContext } | null | undefined;
  let modeCheckedAt = 0;
  let nextRoundAt = 0;
  const store = openPullWatchStore(options.paths);
  let backend: Promise<QueueBackend> | undefined;
  const reportedCycles = new Set<string>();
  const round = async () => {
    const nowMs = options.now().getTime();
    if (mode === undefined || (mode === null && nowMs - modeCheckedAt >= MODE_RECHECK_MS)) {
      modeCheckedAt = nowMs;
      const [{ findRepository }, { detectGithubMode }] = await Promise.all([
        import('../adapters/github/repository-name.js'),
        import('./pull-requests.js'),
      ]);
      const { ghContext } = await import('../adapters/github/gh-api.js');
      // A rate limit is not waited out inside the manager: the round ends and the next one retries.
      const gh = { ...ghContext(options.cwd, options.env, () => undefined), maxRateWaitMs: 0 };
      const known = await findRepository({ env: options.env, cwd: options.cwd });
      const detected = known ? await detectGithubMode(gh) : undefined;
      mode = detected?.on ? { repo: detected.repo, gh } : null;
      if (mode) await log.log('INFO', `Watching the pool's pull requests in ${mode.repo} (every ${options.intervalMs / 1000} s at most).`);
    }
    if (!mode || nowMs < nextRoundAt) return;
    const queue = options.openBackend ? await (backend ??= options.openBackend()) : undefined;
    const result = await watchRound({
      repo: mode.repo,
      reader: ghPullReader(mode.gh, mode.repo),
      store,
      history: options.history,
      now: options.now,
      intervalMs: options.intervalMs,
      ...(options.followUps ? { followUps: handsFor(options.followUps, mode, log) } : {}),
      ...(options.autoMerge && queue ? { merges: mergeHandsFor(options.autoMerge, mode, queue, log) } : {}),
      ...(queue ? leaseOf(queue, mode.repo, options) : {}),
    });
    for (const change of result.transitions) await log.log('INFO', transitionLine(change));
    for (const error of result.errors) await log.log('WARN', `Could not look at ${error}`);
    await retargetStackedPulls(
      mode,
      options.cwd,
      { read: () => store.read(), forget: (taskId, prNumber) => forgetPull(store, taskId, prNumber) },
      log,
    ).catch((error: unknown) => log.log('WARN', `Could not retarget the stacked pull requests: ${(error as Error).message}`));
    if (options.followUps && options.afterRound) {
      const openQueue = options.openBackend;
      await options
        .afterRound({
          store,
          hands: handsFor(options.followUps, mode, log),
          busy: async (subissue) => {
            if (!openQueue) return false;
            backend ??= openQueue();
            const tasks = await (await backend).list();
            return tasks.some(
              (task) =>
                task.subissue === subissue &&
                (task.repo === undefined || task.repo === mode?.repo) &&
                (task.status === 'queued' || task.status === 'claimed'),
            );
          },
        })
        .catch((error: unknown) => log.log('WARN', `Could not check the pull requests against their base: ${(error as Error).message}`));
    }
    if (options.openBackend) {
      backend ??= options.openBackend();
      await releaseGithubBlockers(
        mode.gh,
        mode.repo,
        await backend,
        await store.read(),
        reportedCycles,
        log,
        options.stackOnBlockers,
      ).catch((error: unknown) => log.log('WARN', `Could not release the blocked tasks: ${(error as Error).message}`));
    }
    // New pull requests come from the history: it is read again at least every interval.
    nextRoundAt = Math.min(result.nextDueAt ?? Number.POSITIVE_INFINITY, options.now().getTime() + options.intervalMs);
  };
  return {
    tick: () => {
      running ??= round()
        .catch((error: unknown) => log.log('WARN', `The pull-request watcher failed: ${(error as Error).message}`))
        .finally(() => {
          running = undefined;
        });
    },
    stop: async () => {
      await running;
    },
  };
}
