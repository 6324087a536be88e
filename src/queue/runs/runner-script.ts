import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inheritedEnv } from '../../core/agent-env.js';
import { WorkersError } from '../../core/errors.js';
import { writeFileAtomicSync } from '../../core/fs-safe.js';
import type { RunSpec } from '../backend.js';

/** The shell both backends start the runner with (a fixed path: PATH may hold anything). */
export const RUNNER_SHELL = '/bin/sh';

/**
 * The trampoline that runs one attempt, so the run and its outcome outlive the worker (and, for
 * Pueue, the daemon). POSIX sh, because a shell starts in about a millisecond where node takes a
 * hundred, and every attempt pays that start before its agent runs. It takes everything as
 * arguments and never evaluates them: the embedded backend starts `run` directly; Pueue's task
 * command, fixed when the task is added, is `spec SPEC`, where SPEC holds the words of `run`
 * separated by NUL bytes and xargs hands them over as arguments. The agent's environment is not
 * among the words, since arguments are visible to every user in `ps`: it is PREFIX.env (0600),
 * single-quoted assignments that a clean shell (`env -i`) reads with `set -a` before it execs the
 * agent, so the agent gets exactly those variables; the runner opens it and removes it before
 * that shell starts, so the secret is on disk only until the run begins. Its stdin is empty and it runs in the
 * runner's process group. A signal sent to the group reaches the agent; the runner waits for it
 * to end before recording how it ended (a status above 128 is the signal that ended it, as sh
 * reports it: an agent exiting with such a status on its own is recorded as ended by that signal,
 * sh cannot tell the two apart). Both files are written to a temp name and moved into place;
 * PREFIX is the run's files prefix (run-files.ts).
 * Version 1 was a node script that read a JSON spec (runner-v1.ts).
 */
const RUNNER_SOURCE = `# hybrid-workers queue runner v2 (generated; do not edit)
# sh RUNNER spec SPEC
# sh RUNNER run PREFIX OUTPUT DIR PROGRAM [ARG]...   (the environment: PREFIX.env)
set -f
umask 077
if [ "$1" = spec ] && [ $# -eq 2 ]; then
  # -x: the words make one command or none, never a run split over two.
  exec xargs -0 -x -s 2000000 ${RUNNER_SHELL} "$0" run < "$2"
fi
if [ "$1" != run ] || [ $# -lt 5 ]; then
  echo "usage: $0 spec SPEC | run PREFIX OUTPUT DIR PROGRAM [ARG]..." >&2
  exit 2
fi
prefix=$2 output=$3 dir=$4
shift 4
save() {
  # A write that failed (a full disk) leaves no temp file behind; the worker then asks the agent's output and the branch.
  printf '%s\\n' "$2" > "$1.$$.tmp" && mv -f "$1.$$.tmp" "$1" || { rm -f "$1.$$.tmp"; return 1; }
}
identity() {
  save "$prefix.pid.json" "{\\"pid\\":$$,\\"pgid\\":$3,\\"startTime\\":\\"\${20}\\"}"
}
read -r stat < /proc/$$/stat
identity \${stat##*') '}
[ -z "$output" ] || exec >> "$output" 2>&1
trap : TERM INT HUP
if cd -- "$dir"; then
  # The secret leaves the disk before the agent starts: the clean shell reads it through fd 3.
  { rm -f -- "$prefix.env"; env -i ${RUNNER_SHELL} -c 'unset PWD; set -a && . /dev/fd/3 && exec 3<&- && exec "$@"' sh "$@" < /dev/null; } 3< "$prefix.env"
  code=$?
else
  code=127
fi
signal=null
if [ "$code" -gt 128 ] && name=$(kill -l "$code" 2> /dev/null); then signal="\\"SIG$name\\""; fi
save "$prefix.result.json" "{\\"exitCode\\":$code,\\"signal\\":$signal}"
exit "$code"
`;

export const RUNNER_FILE_NAME = 'queue-runner-v2.sh';

/** Writes `source` as `dir/name` unless an identical copy is there; returns its path. */
export async function ensureScript(dir: string, name: string, source: string): Promise<string> {
  const path = join(dir, name);
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current !== source) writeFileAtomicSync(path, source);
  return path;
}

export const ensureRunnerScript = (dir: string) => ensureScript(dir, RUNNER_FILE_NAME, RUNNER_SOURCE);

const refuse = (message: string) => new WorkersError('usage', message);

/** The runner's own environment: only PATH, to find env, mv and xargs (the agent gets its own). */
export const runnerEnv = (baseEnv: Readonly<Record<string, string | undefined>>): Record<string, string> =>
  baseEnv.PATH === undefined ? {} : { PATH: baseEnv.PATH };

/** The words after `run` for one attempt: files prefix, output file ('' keeps the runner's own output), directory, argv. */
export function runnerWords(prefix: string, output: string, run: RunSpec): string[] {
  const program = run.argv[0];
  if (program === undefined || program === '') throw refuse('The agent program is empty: set WORKER_AGENT_CMD.');
  const words = [prefix, output, run.cwd, ...run.argv];
  if (words.some((word) => word.includes('\0'))) throw refuse('An argument of the run contains a NUL byte.');
  return words;
}

/** What a run takes from the base environment: the names it inherits, or all of it. */
export const runBaseEnv = (run: RunSpec, baseEnv: Readonly<Record<string, string | undefined>>) =>
  run.inherit === undefined ? baseEnv : inheritedEnv(baseEnv, run.inherit);

/** A name a shell can export (POSIX's portable environment names, in either case). */
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Single quotes keep everything literal; a quote itself is closed, escaped and reopened. */
const quoteForShell = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

/**
 * PREFIX.env for one attempt: the base environment (what the run inherits of it) with the run's own variables over it. A base
 * variable a shell cannot name (a bash function export such as `BASH_FUNC_x%%`) is left out;
 * such a name among the run's own variables, or a NUL byte in a value, is refused.
 */
export function runnerEnvironment(run: RunSpec, baseEnv: Readonly<Record<string, string | undefined>>): string {
  const badName = Object.keys(run.env).find((name) => !SHELL_NAME.test(name));
  if (badName !== undefined)
    throw refuse(`The environment variable name ${JSON.stringify(badName)} is invalid: use letters, digits and _.`);
  const entries = Object.entries({ ...runBaseEnv(run, baseEnv), ...run.env }).filter(
    (entry): entry is [string, string] => entry[1] !== undefined && SHELL_NAME.test(entry[0]),
  );
  if (entries.some(([, value]) => value.includes('\0'))) throw refuse('An environment value of the run contains a NUL byte.');
  return entries.map(([name, value]) => `${name}=${quoteForShell(value)}\n`).join('');
}
