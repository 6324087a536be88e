import { homedir } from 'node:os';
import { verifyDataRoot } from '../core/fs-safe.js';
import { dataPaths, resolveDataRoot, type DataPaths } from '../core/paths.js';
import { loadSettings, type Settings } from '../core/settings.js';

/** What a command needs from the process: the only module that reads process.env and the terminal. */
export interface CliContext {
  readonly env: NodeJS.ProcessEnv;
  readonly paths: DataPaths;
  readonly settings: Settings;
  readonly now: () => Date;
  readonly stdoutIsTty: boolean;
  readonly stdinIsTty: boolean;
  /** chalk colour level: follows the terminal, NO_COLOR and FORCE_COLOR. */
  readonly colorLevel: 0 | 1 | 2 | 3;
}

export function colorLevelFor(env: NodeJS.ProcessEnv, isTty: boolean): 0 | 1 | 2 | 3 {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const forced = env.FORCE_COLOR;
  if (forced !== undefined) {
    if (forced === '0' || forced === 'false') return 0;
    const level = Number(forced);
    return level === 2 || level === 3 ? level : 1;
  }
  return isTty ? 1 : 0;
}

export async function loadContext(): Promise<CliContext> {
  const env = process.env;
  const root = resolveDataRoot(env, homedir());
  await verifyDataRoot(root);
  const paths = dataPaths(root);
  const stdoutIsTty = process.stdout.isTTY === true;
  return {
    env,
    paths,
    settings: loadSettings(paths.configFile, env),
    now: () => new Date(),
    stdoutIsTty,
    stdinIsTty: process.stdin.isTTY === true,
    colorLevel: colorLevelFor(env, stdoutIsTty),
  };
}

export const printJson = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
export const printText = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

/** A live view for a command: redrawn every interval on a terminal, one frame otherwise or with --once. */
export async function showLiveView(context: CliContext, render: () => Promise<string>, options: { intervalMs: number; once?: boolean }): Promise<void> {
  const { runLiveView, signalOnTermination } = await import('../core/live-view.js');
  await runLiveView({
    render,
    intervalMs: options.intervalMs,
    once: options.once === true || !context.stdoutIsTty,
    write: (text) => process.stdout.write(text),
    signal: signalOnTermination(),
  });
}
