import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { z } from 'zod';
import { WorkersError } from '../../core/errors.js';
import { waitUntil } from '../../core/poll.js';
import { globalArgs, groupAddArgs, groupListArgs, isDaemonUnreachable, pauseGroupArgs, statusArgs, stripAnsi } from './argv.js';
import { noteStartedDaemon } from './started-daemon.js';
import { parsePueueState, type PueueState } from './status-schema.js';

const groupsSchema = z.record(z.object({ status: z.string() }).passthrough());

export interface PueueClientOptions {
  /** `-c` for both binaries; when absent Pueue looks up PUEUE_CONFIG_PATH, then its default. */
  readonly configPath?: string;
  /** The environment of every `pueue` process: a task added through it runs with this env. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs?: number;
  /** How long to wait for a freshly started daemon. */
  readonly startTimeoutMs?: number;
  /** False for read-only tools (a report from cron must not leave a daemon running); default true. */
  readonly startDaemon?: boolean;
  /** Where a daemon this client starts is noted (pid, config), so `worker-manager shutdown` can stop it. */
  readonly startedFile?: string;
}

export interface PueueOutput {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The `pueue` client and, when it is down, the `pueued` daemon; argv arrays only. */
export class PueueClient {
  private daemonStart: Promise<void> | undefined;

  constructor(private readonly options: PueueClientOptions) {}

  /** Runs one client command; starts the daemon (unless told not to) and retries once when none answers. */
  async run(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<PueueOutput> {
    const first = await this.runOnce(args, env);
    if (first.exitCode === 0 || !isDaemonUnreachable(first.stderr + first.stdout)) return first;
    if (this.options.startDaemon === false) return first;
    await this.startDaemon();
    return this.runOnce(args, env);
  }

  /** Like run, but a non-zero exit is an error that quotes Pueue's own message. */
  async runOk(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<PueueOutput> {
    const output = await this.run(args, env);
    if (output.exitCode !== 0) {
      const detail = (output.stderr.trim() || output.stdout.trim()).split('\n')[0] ?? '';
      throw new WorkersError('tool', `pueue ${args[0]} failed (exit ${output.exitCode}): ${detail}`);
    }
    return output;
  }

  async status(): Promise<PueueState> {
    const output = await this.runOk(statusArgs());
    try {
      return parsePueueState(output.stdout);
    } catch (error) {
      throw new WorkersError('tool', 'pueue status --json printed something this toolkit cannot read; is pueue v3 or v4 installed?', {
        cause: error,
      });
    }
  }

  /** Creates the group if missing and pauses it, so Pueue never starts its tasks on its own. */
  async ensurePausedGroup(group: string): Promise<void> {
    const groups = groupsSchema.parse(JSON.parse((await this.runOk(groupListArgs())).stdout));
    if (!(group in groups)) {
      const added = await this.run(groupAddArgs(group));
      if (added.exitCode !== 0 && !/already exists/.test(added.stderr + added.stdout)) {
        throw new WorkersError('tool', `Cannot create the Pueue group ${group}: ${added.stderr.trim() || added.stdout.trim()}`);
      }
    }
    if (groups[group]?.status !== 'Paused') await this.runOk(pauseGroupArgs(group));
  }

  private async runOnce(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<PueueOutput> {
    const result = await execa('pueue', [...globalArgs(this.options.configPath), ...args], {
      reject: false,
      stdin: 'ignore',
      timeout: this.options.timeoutMs ?? 15_000,
      env: env ?? this.options.env,
      extendEnv: false,
    });
    if (result.failed && result.exitCode === undefined) {
      const reason = result.timedOut ? 'timed out' : result.shortMessage;
      throw new WorkersError('tool', `pueue ${args[0]} could not run: ${reason}.`, { cause: result });
    }
    return { exitCode: result.exitCode ?? 1, stdout: stripAnsi(String(result.stdout)), stderr: stripAnsi(String(result.stderr)) };
  }

  /** One start at a time per client; concurrent callers share it. */
  private startDaemon(): Promise<void> {
    this.daemonStart ??= this.spawnAndAwaitDaemon().finally(() => {
      this.daemonStart = undefined;
    });
    return this.daemonStart;
  }

  private async spawnAndAwaitDaemon(): Promise<void> {
    // Not `pueued -d`: its fork inherits our pipes (docs/PUEUE.md section 2). Detached, stdio ignored.
    const args = this.options.configPath === undefined ? [] : ['-c', this.options.configPath];
    await new Promise<void>((resolve, reject) => {
      const child = spawn('pueued', args, { detached: true, stdio: 'ignore', env: { ...this.options.env } });
      child.once('error', (error) => reject(new WorkersError('tool', `Cannot start pueued: ${error.message}.`, { cause: error })));
      child.once('spawn', () => {
        child.unref();
        if (this.options.startedFile !== undefined && child.pid !== undefined)
          noteStartedDaemon(this.options.startedFile, { pid: child.pid, config_path: this.options.configPath ?? null });
        resolve();
      });
    });
    let last = '';
    const answered = await waitUntil(
      async () => {
        const probe = await this.runOnce(statusArgs());
        last = (probe.stderr.trim() || probe.stdout.trim()).split('\n').at(-1) ?? '';
        return probe.exitCode === 0;
      },
      { timeoutMs: this.options.startTimeoutMs ?? 15_000, intervalMs: 25, maxIntervalMs: 500 },
    );
    if (answered) return;
    throw new WorkersError(
      'tool',
      `The Pueue daemon could not be reached after starting it (${last || 'no answer'}); check pueued and its config.`,
    );
  }
}
