import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readRunPid, readRunResult, recordRunSpec, runFilesFor, writeRunSpec, type RunFiles } from '../../src/queue/runs/run-files.js';
import { ensureRunnerScript, RUNNER_SHELL, runnerEnv } from '../../src/queue/runs/runner-script.js';
import type { RunSpec } from '../../src/queue/backend.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

/** The sh runner itself, run by the real /bin/sh as both backends start it. */
const execFileAsync = promisify(execFile);

const probe = (out: string) => [
  process.execPath,
  '-e',
  `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ argv: process.argv.slice(1), env: process.env, cwd: process.cwd() }))`,
];

async function setUp(): Promise<{ root: string; runner: string; files: RunFiles }> {
  const root = makeTempDir('hw-runner-');
  return { root, runner: await ensureRunnerScript(root), files: runFilesFor(root, 'run-1') };
}

/** Starts `sh RUNNER run ...` as the embedded backend does (detached, its own process group). */
async function start(runner: string, files: RunFiles, run: RunSpec, baseEnv: NodeJS.ProcessEnv = process.env) {
  const words = await recordRunSpec(files, run, baseEnv);
  return spawn(RUNNER_SHELL, [runner, 'run', ...words], { detached: true, stdio: 'ignore', env: runnerEnv(process.env) });
}

/** Runs the runner to its end; resolves to its exit code. */
async function runDirect(runner: string, files: RunFiles, run: RunSpec, baseEnv?: NodeJS.ProcessEnv): Promise<number> {
  const child = await start(runner, files, run, baseEnv);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
}

describe('the queue runner (sh)', () => {
  it('runs the agent with exactly the given argv, directory and environment, and records pid, group and exit code', async () => {
    const { root, runner, files } = await setUp();
    const out = join(root, 'seen.json');
    const cwd = makeTempDir('hw-cwd $(touch x) ;');
    const hostile = ['', ' spaced ', '$(touch pwned)', '`touch pwned`', '\'"; exit 9; "\'', 'a\nb', '*', '-n'];
    const run: RunSpec = { argv: [...probe(out), ...hostile], cwd, env: { HOSTILE: hostile[2]!, QUOTED: "it's\n'$(x)'" } };
    const code = await runDirect(runner, files, run, { PATH: process.env.PATH, 'BASH_FUNC_f%%': '() { :; }' });
    expect(code).toBe(0);
    const seen = JSON.parse(readFileSync(out, 'utf8')) as { argv: string[]; env: Record<string, string>; cwd: string };
    expect(seen.argv).toEqual(hostile);
    expect(seen.cwd).toBe(cwd);
    expect(seen.env).toEqual({ PATH: process.env.PATH, HOSTILE: '$(touch pwned)', QUOTED: "it's\n'$(x)'" });
    expect(existsSync(join(cwd, 'pwned'))).toBe(false);
    expect(await readRunResult(files)).toMatchObject({ state: 'exited', exitCode: 0 });
    const identity = await readRunPid(files);
    expect(identity).toMatchObject({ pid: expect.any(Number), pgid: expect.any(Number), startTime: expect.stringMatching(/^\d+$/) });
  });

  it('from a spec file of NUL-separated words (the Pueue form), with the agent output appended to the output file', async () => {
    const { root, runner, files } = await setUp();
    const output = join(root, 'agent.log');
    writeFileSync(output, 'earlier\n');
    const run: RunSpec = {
      argv: ['sh', '-c', 'echo "out $1"; echo "err $2" >&2; exit 3', 'sh', 'a b', '$(c)'],
      cwd: root,
      env: {},
      outputFile: output,
    };
    await writeRunSpec(files, run, { PATH: process.env.PATH });
    await execFileAsync(RUNNER_SHELL, [runner, 'spec', files.specFile], { env: runnerEnv(process.env) }).catch(() => undefined);
    expect(await readRunResult(files)).toMatchObject({ state: 'exited', exitCode: 3 });
    expect(readFileSync(output, 'utf8')).toBe('earlier\nout a b\nerr $(c)\n');
  });

  it('never writes the secret through a planted env-file link, and removes the env file once the runner has read it', async () => {
    const { root, runner, files } = await setUp();
    const victim = join(makeTempDir('hw-victim-'), 'readable-by-all');
    writeFileSync(victim, 'untouched\n', { mode: 0o644 });
    const out = join(root, 'seen.json');
    const run: RunSpec = { argv: probe(out), cwd: root, env: { ANTHROPIC_API_KEY: 'sk-secret' } };
    // The embedded backend's form, then the Pueue form: both write the env file for a run.
    symlinkSync(victim, files.envFile);
    expect(await runDirect(runner, files, run, { PATH: process.env.PATH })).toBe(0);
    expect((JSON.parse(readFileSync(out, 'utf8')) as { env: Record<string, string> }).env.ANTHROPIC_API_KEY).toBe('sk-secret');
    symlinkSync(victim, files.envFile);
    await writeRunSpec(files, run, { PATH: process.env.PATH });
    expect(statSync(files.envFile).mode & 0o777).toBe(0o600);
    await execFileAsync(RUNNER_SHELL, [runner, 'spec', files.specFile], { env: runnerEnv(process.env) });
    expect(readFileSync(victim, 'utf8')).toBe('untouched\n');
    expect(existsSync(files.envFile)).toBe(false);
  });

  it('records an agent ended by a signal as killed, and a directory that does not exist as exit 127', async () => {
    const { root, runner, files } = await setUp();
    const killed = await runDirect(runner, files, { argv: ['sh', '-c', 'kill -TERM $$'], cwd: root, env: {} });
    expect(killed).toBe(143);
    expect(await readRunResult(files)).toMatchObject({ state: 'killed' });
    const missing = await runDirect(runner, files, { argv: ['true'], cwd: join(root, 'gone'), env: {} });
    expect(missing).toBe(127);
    expect(await readRunResult(files)).toMatchObject({ state: 'exited', exitCode: 127 });
  });

  it('a SIGTERM to the process group reaches the agent; the runner outlives it long enough to record how it ended', async () => {
    const { root, runner, files } = await setUp();
    const secret = 'sk-secret-not-for-ps';
    const child = await start(runner, files, { argv: ['sleep', '600'], cwd: root, env: { ANTHROPIC_API_KEY: secret } });
    const ended = new Promise((resolve) => child.on('exit', resolve));
    const identity = await waitFor(() => readRunPid(files), { what: 'the pid file' });
    expect(identity.pgid).toBe(child.pid);
    // The environment travels in a 0600 file, removed once read, not in arguments every user can read with ps.
    expect(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8')).not.toContain(secret);
    await waitFor(() => !existsSync(files.envFile), { what: 'the env file removed' });
    process.kill(-identity.pgid, 'SIGTERM');
    await ended;
    expect(await readRunResult(files)).toMatchObject({ state: 'killed' });
  });
});
