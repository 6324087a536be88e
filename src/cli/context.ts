import { writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { errnoCode } from '../core/errors.js';
import { verifyDataRoot } from '../core/fs-safe.js';
import { configureLogRotation } from '../core/log-rotation.js';
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
  /** The terminal's width, which views fit; undefined when stdout is not a terminal (no limit). */
  readonly columns: number | undefined;
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

const stdoutIsTty = () => process.stdout.isTTY === true;

/**
 * The terminal facts are read on first use: asking process.stdout whether it is a terminal sets up
 * its stream, a cost a command that never asks (check, heartbeat) should not pay at start-up.
 */
export async function loadContext(): Promise<CliContext> {
  const env = process.env;
  const root = resolveDataRoot(env, homedir());
  const paths = dataPaths(verifyDataRoot(root));
  const settings = loadSettings(paths.configFile, env);
  configureLogRotation({ maxBytes: settings.LOG_MAX_BYTES, keep: settings.LOG_KEEP });
  return {
    env,
    paths,
    settings,
    now: () => new Date(),
    get stdoutIsTty() {
      return stdoutIsTty();
    },
    get stdinIsTty() {
      return process.stdin.isTTY === true;
    },
    get colorLevel() {
      return colorLevelFor(env, stdoutIsTty());
    },
    get columns() {
      return stdoutIsTty() ? process.stdout.columns : undefined;
    },
  };
}

let stdoutIsBusyPipe = false;

/**
 * Writes straight to file descriptor 1, for the same start-up reason. A reader that went away
 * (`| head`) ends the output quietly; a non-blocking pipe that is full hands the rest to the stream.
 */
function writeStdout(text: string): void {
  const bytes = Buffer.from(text);
  let offset = 0;
  try {
    // Once the stream holds queued output, later text must queue behind it to keep the order.
    while (!stdoutIsBusyPipe && offset < bytes.length) offset += writeSync(1, bytes, offset);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EPIPE') return;
    if (code !== 'EAGAIN') throw error;
    stdoutIsBusyPipe = true;
  }
  if (offset < bytes.length) process.stdout.write(bytes.subarray(offset));
}

export const printJson = (value: unknown) => writeStdout(`${JSON.stringify(value, null, 2)}\n`);
export const printText = (text: string) => writeStdout(text.endsWith('\n') ? text : `${text}\n`);

/** A live view for a command: redrawn every interval on a terminal, one frame otherwise or with --once. */
export async function showLiveView(
  context: CliContext,
  render: () => Promise<string>,
  options: { intervalMs: number; once?: boolean },
): Promise<void> {
  const { runLiveView, signalOnTermination } = await import('../core/live-view.js');
  await runLiveView({
    render,
    intervalMs: options.intervalMs,
    once: options.once === true || !context.stdoutIsTty,
    write: (text) => process.stdout.write(text),
    signal: signalOnTermination(),
  });
}
