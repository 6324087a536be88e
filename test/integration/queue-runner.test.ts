import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readRunPid, readRunResult, runFilesFor, writeRunSpec, type RunFiles } from '../../src/queue/run-files.js';
import { ensureRunnerScript, RUNNER_SHELL, runnerEnv, runnerWords } from '../../src/queue/runner-script.js';
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

/** Runs `sh RUNNER run ...` to its end; resolves to the runner's exit code. */
async function runDirect(runner: string, words: readonly string[]): Promise<number> {
  const child = spawn(RUNNER_SHELL, [runner, 'run', ...words], { stdio: 'ignore', env: runnerEnv(process.env) });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
}

describe('the queue runner (sh)', () => {
  it('runs the agent with exactly the given argv, directory and environment, and records pid, group and exit code', async () => {
    const { root, runner, files } = await setUp();
    const out = join(root, 'seen.json');
    const cwd = makeTempDir('hw-cwd $(touch x) ;');
    const hostile = ['', ' spaced ', '$(touch pwned)', '`touch pwned`', "'\"; exit 9; \"'", 'a\nb', '*', '-n'];
    const run: RunSpec = { argv: [...probe(out), ...hostile], cwd, env: { HOSTILE: hostile[2]!, 'ODD.NAME': 'x\ny' } };
    const code = await runDirect(runner, runnerWords(files.prefix, '', run, { PATH: process.env.PATH }));
    expect(code).toBe(0);
    const seen = JSON.parse(readFileSync(out, 'utf8')) as { argv: string[]; env: Record<string, string>; cwd: string };
    expect(seen.argv).toEqual(hostile);
    expect(seen.cwd).toBe(cwd);
    expect(seen.env).toEqual({ PATH: process.env.PATH, HOSTILE: '$(touch pwned)', 'ODD.NAME': 'x\ny' });
    expect(existsSync(join(cwd, 'pwned'))).toBe(false);
    expect(await readRunResult(files)).toMatchObject({ state: 'exited', exitCode: 0 });
    const identity = await readRunPid(files);
    expect(identity).toMatchObject({ pid: expect.any(Number), pgid: expect.any(Number), startTime: expect.stringMatching(/^\d+$/) });
  });

  it('from a spec file of NUL-separated words (the Pueue form), with the agent output appended to the output file', async () => {
    const { root, runner, files } = await setUp();
    const output = join(root, 'agent.log');
    writeFileSync(output, 'earlier\n');
    const run: RunSpec = { argv: ['sh', '-c', 'echo "out $1"; echo "err $2" >&2; exit 3', 'sh', 'a b', '$(c)'], cwd: root, env: {}, outputFile: output };
    await writeRunSpec(files, run, { PATH: process.env.PATH });
    await execFileAsync(RUNNER_SHELL, [runner, 'spec', files.specFile], { env: runnerEnv(process.env) }).catch(() => undefined);
    expect(await readRunResult(files)).toMatchObject({ state: 'exited', exitCode: 3 });
    expect(readFileSync(output, 'utf8')).toBe('earlier\nout a b\nerr $(c)\n');
  });

  it('records an agent ended by a signal as killed, and a directory that does not exist as exit 127', async () => {
    const { root, runner, files } = await setUp();
    const killed = await runDirect(runner, runnerWords(files.prefix, '', { argv: ['sh', '-c', 'kill -TERM $$'], cwd: root, env: {} }, process.env));
    expect(killed).toBe(143);
    expect(await readRunResult(files)).toMatchObject({ state: 'killed' });
    const output = join(root, 'missing.log');
    const missing = await runDirect(runner, runnerWords(files.prefix, output, { argv: ['true'], cwd: join(root, 'gone'), env: {} }, process.env));
    expect(missing).toBe(127);
    expect(await readRunResult(files)).toMatchObject({ state: 'exited', exitCode: 127 });
    expect(readFileSync(output, 'utf8')).toMatch(/gone/);
  });

  it('a SIGTERM to the process group reaches the agent; the runner outlives it long enough to record how it ended', async () => {
    const { root, runner, files } = await setUp();
    const child = spawn(RUNNER_SHELL, [runner, 'run', ...runnerWords(files.prefix, '', { argv: ['sleep', '600'], cwd: root, env: {} }, process.env)], {
      detached: true,
      stdio: 'ignore',
      env: runnerEnv(process.env),
    });
    const ended = new Promise((resolve) => child.on('exit', resolve));
    const identity = await waitFor(() => readRunPid(files), { what: 'the pid file' });
    expect(identity.pgid).toBe(child.pid);
    process.kill(-identity.pgid, 'SIGTERM');
    await ended;
    expect(await readRunResult(files)).toMatchObject({ state: 'killed' });
  });
});
