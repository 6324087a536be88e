import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  formatRule,
  parseHostRule,
  startFilterProxy,
  urlHostRule,
  type FilterProxy,
  type HostRule,
} from '../adapters/bubblewrap/filter-proxy.js';
import type { SandboxHost } from '../adapters/bubblewrap/host-plan.js';
import { WorkersError } from '../core/errors.js';
import { logError, type Runtime } from './runtime.js';

/*
 * What a sandboxed run may reach (docs/SPEC.md section 15.4): only the hosts it needs, through
 * the worker's filtering proxy, or nothing but the sandbox's own loopback.
 */

export type SandboxRunKind = 'claude' | 'command' | 'setup' | 'verify';

/** A comma-separated host list (SANDBOX_ALLOW_HOSTS, SANDBOX_SETUP_HOSTS); a bad entry is a config error. */
export function parseHostList(name: string, text: string): HostRule[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const rule = parseHostRule(part);
      if (!rule) throw new WorkersError('config', `${name} has "${part}", which is not a host or host:port.`);
      return rule;
    });
}

/** The model API Claude Code talks to: ANTHROPIC_BASE_URL's host and port, or the default. */
export const claudeApiRule = (env: Readonly<Record<string, string | undefined>>): HostRule =>
  urlHostRule(env.ANTHROPIC_BASE_URL?.trim() || 'https://api.anthropic.com') ?? { host: 'api.anthropic.com', port: 443 };

/**
 * The hosts of one run: SANDBOX_ALLOW_HOSTS for every run, the model API's for Claude,
 * SANDBOX_SETUP_HOSTS for WORKER_SETUP_CMD; the verification gets only the first.
 */
export function allowedHosts(host: SandboxHost, kind: SandboxRunKind, setupHosts: readonly HostRule[]): HostRule[] {
  const extra = kind === 'claude' ? [claudeApiRule(host.env)] : kind === 'setup' ? setupHosts : [];
  const seen = new Map<string, HostRule>();
  for (const rule of [...extra, ...host.allowHosts]) seen.set(formatRule(rule), rule);
  return [...seen.values()];
}

const proxies = new Map<string, Promise<FilterProxy>>();

/**
 * The worker's proxy for these hosts, started on first use and kept while the worker runs (a run
 * started by an earlier worker process finds a new one on the same socket path once this one
 * starts a run with the same hosts). One socket per host list, in a directory of its own.
 */
export async function proxyFor(rt: Runtime, rules: readonly HostRule[]): Promise<string> {
  const key = rules.map(formatRule).sort().join(',');
  const id = createHash('sha256').update(key).digest('hex').slice(0, 10);
  const dir = join(rt.paths.root, 'sandbox', `net-w${rt.workerId}-${id}`);
  const socket = join(dir, 'proxy.sock');
  let proxy = proxies.get(socket);
  if (proxy === undefined) {
    proxy = mkdir(dir, { recursive: true, mode: 0o700 }).then(() =>
      startFilterProxy(socket, rules, (target) => {
        void logError(rt, `sandbox proxy: refused ${target} (allowed: ${key || 'none'}; SANDBOX_ALLOW_HOSTS adds hosts)`);
      }),
    );
    proxies.set(socket, proxy);
    proxy.catch(() => proxies.delete(socket));
  }
  await proxy;
  return socket;
}

/**
 * At the worker's start: the agent's proxy, so that a run an earlier worker process started (and
 * this one takes up) finds its way out again on the same socket. A failure is only logged: the
 * next run that needs it tries again.
 */
export async function openAgentProxy(rt: Runtime): Promise<void> {
  if (rt.sandbox === undefined) return;
  const rules = allowedHosts(rt.sandbox, rt.agent.name === 'claude' ? 'claude' : 'command', []);
  if (rules.length > 0)
    await proxyFor(rt, rules).catch((error: unknown) => logError(rt, `sandbox proxy: could not start: ${(error as Error).message}`));
}

/** Stops this worker's proxies (its loop has ended). */
export async function closeProxies(rt: Runtime): Promise<void> {
  const mine = [...proxies.entries()].filter(([socket]) => socket.startsWith(join(rt.paths.root, 'sandbox', `net-w${rt.workerId}-`)));
  for (const [socket] of mine) proxies.delete(socket);
  await Promise.all(mine.map(async ([, proxy]) => (await proxy.catch(() => undefined))?.close()));
}
