import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { delimiter, join } from 'node:path';
import { splitWords } from '../core/split-words.js';
import type { Settings } from '../core/settings.js';
import type { AttemptResult } from './delivery.js';
import type { NotifyMessage } from './outbox.js';

/** Where messages go: a name for logs and reports, and one attempt at sending. */
export interface Sink {
  readonly name: string;
  send(message: NotifyMessage): Promise<AttemptResult>;
}

const SEND_TIMEOUT_MS = 10_000;

/** The JSON body: Slack's incoming webhooks read `text`, Discord's `content`; the rest is the event itself. */
export const messageBody = (message: NotifyMessage) => ({ ...message, content: message.text, source: 'hybrid-workers' });

/**
 * POSTs through node:http(s), not fetch: fetch is undici, whose HTTP parser is WebAssembly, and the
 * manager runs in V8's lite mode, which has none (docs/PERFORMANCE.md, "A task's fixed cost").
 * Resolves with the status; a 3xx is not followed (webhook services answer 2xx or an error).
 */
function postJson(url: URL, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on('error', (error) => reject(error.name === 'AbortError' ? new Error(`no answer within ${SEND_TIMEOUT_MS / 1000} s`) : error));
    request.end(body);
  });
}

function webhookSink(url: string): Sink {
  const target = new URL(url);
  return {
    name: `webhook ${target.origin}`,
    async send(message) {
      try {
        const status = await postJson(target, JSON.stringify(messageBody(message)));
        return status >= 200 && status < 300 ? { ok: true } : { ok: false, reason: `HTTP ${status}` };
      } catch (error) {
        return { ok: false, reason: (error as Error).message };
      }
    },
  };
}

/** The first event's facts as NOTIFY_* variables; values go in the environment, never into a command line. */
function messageEnv(message: NotifyMessage): Record<string, string> {
  const first = message.events[0];
  const env: Record<string, string> = {
    NOTIFY_ID: message.id,
    NOTIFY_KIND: message.kind,
    NOTIFY_AT: message.at,
    NOTIFY_TEXT: message.text,
    NOTIFY_COUNT: String(message.events.length),
  };
  if (first?.worker !== undefined) env.NOTIFY_WORKER = String(first.worker);
  if (first?.task !== undefined) env.NOTIFY_TASK = first.task;
  if (first?.parent !== undefined) env.NOTIFY_PARENT = first.parent;
  if (first?.title !== undefined) env.NOTIFY_TITLE = first.title;
  return env;
}

/** How long stderr is still read after the command exits: a background child holding it is not waited for. */
const AFTER_EXIT_MS = 200;

/**
 * Runs the command in its own process group. It ends at its exit (stderr read a moment more,
 * never until a background child lets go of it) or at SEND_TIMEOUT_MS, when the whole group is
 * killed and reading stops: no command holds up the sender longer than that.
 */
function runBounded(file: string, args: readonly string[], input: string, env: Record<string, string>): Promise<AttemptResult> {
  return new Promise((resolve) => {
    let stderr = '';
    let done = false;
    const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'ignore', 'pipe'], detached: true });
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const finish = (result: AttemptResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.stderr?.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => {
      killGroup();
      finish({ ok: false, reason: `timed out after ${SEND_TIMEOUT_MS / 1000} s (its process group was killed)` });
    }, SEND_TIMEOUT_MS);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = `${stderr}${chunk.toString('utf8')}`.slice(-4000);
    });
    child.on('error', (error) => finish({ ok: false, reason: error.message }));
    child.on('exit', (code, signal) => {
      setTimeout(() => {
        if (code === 0) return finish({ ok: true });
        const detail = stderr.trim().split('\n').pop() ?? '';
        finish({ ok: false, reason: `${code === null ? `killed by ${signal}` : `exit ${code}`}${detail ? `: ${detail}` : ''}` });
      }, AFTER_EXIT_MS);
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

function commandSink(command: string): Sink {
  const [file, ...args] = splitWords(command);
  return {
    name: `command ${file}`,
    send: (message) => runBounded(file!, args, `${JSON.stringify(messageBody(message))}\n`, messageEnv(message)),
  };
}

function desktopSink(notifySend: string): Sink {
  return {
    name: 'desktop (notify-send)',
    async send(message) {
      // Loaded when a desktop message is sent: the resident manager carries no execa otherwise.
      const { execa } = await import('execa');
      const result = await execa(notifySend, ['--app-name=hybrid-workers', 'hybrid-workers', message.text], {
        reject: false,
        timeout: SEND_TIMEOUT_MS,
        stdin: 'ignore',
      });
      return result.exitCode === 0 ? { ok: true } : { ok: false, reason: `notify-send exit ${result.exitCode ?? 'none'}` };
    },
  };
}

function findOnPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return null;
}

const hasDesktopSession = (env: NodeJS.ProcessEnv) => Boolean(env.DISPLAY || env.WAYLAND_DISPLAY || env.DBUS_SESSION_BUS_ADDRESS);

/** The sinks the settings configure; NOTIFY_DESKTOP=auto adds notify-send when it and a desktop session exist. */
export function configuredSinks(
  settings: Pick<Settings, 'NOTIFY_WEBHOOK_URL' | 'NOTIFY_COMMAND' | 'NOTIFY_DESKTOP'>,
  env: NodeJS.ProcessEnv,
): Sink[] {
  const sinks: Sink[] = [];
  if (settings.NOTIFY_WEBHOOK_URL !== '') sinks.push(webhookSink(settings.NOTIFY_WEBHOOK_URL));
  if (settings.NOTIFY_COMMAND.trim() !== '') sinks.push(commandSink(settings.NOTIFY_COMMAND));
  const notifySend = settings.NOTIFY_DESKTOP === 'false' ? null : findOnPath('notify-send', env);
  if (notifySend !== null && (settings.NOTIFY_DESKTOP === 'true' || hasDesktopSession(env))) sinks.push(desktopSink(notifySend));
  return sinks;
}
