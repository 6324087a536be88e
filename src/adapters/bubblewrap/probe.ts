import { findOnPath } from '../../core/find-on-path.js';

/** Whether this host can make the agent's sandbox, and if not, why and what fixes it. */
export type SandboxProbe =
  | { readonly available: true; readonly bwrap: string }
  | { readonly available: false; readonly why: string; readonly fix: string };

const PROBE_TIMEOUT_MS = 10_000;

/** The fix for "bwrap runs but cannot make namespaces", by what it said. */
function namespaceFix(said: string): string {
  if (/setting up uid map|user namespace|Operation not permitted|No permissions/i.test(said))
    return 'allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or on Ubuntu kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor profile for bwrap), or run the container with --privileged or a seccomp profile that allows them';
  return 'make `bwrap --ro-bind / / true` work on this host';
}

/**
 * Tries once to make a sandbox like the agent's (namespaces, a read-only root), as
 * `bwrap --ro-bind / / true` does. `platform` and `env` come from the caller.
 */
export async function probeSandbox(env: Readonly<Record<string, string | undefined>>, platform: string): Promise<SandboxProbe> {
  if (platform !== 'linux')
    return { available: false, why: `the sandbox needs Linux, this is ${platform}`, fix: 'run the workers on Linux (a VM or container)' };
  const bwrap = await findOnPath('bwrap', env);
  if (bwrap === undefined)
    return {
      available: false,
      why: 'bubblewrap (bwrap) is not installed',
      fix: 'install bubblewrap (apt-get install bubblewrap, dnf install bubblewrap)',
    };
  // execa is loaded where it is used: an idle worker that never probes carries none of it (docs/PERFORMANCE.md, fixed cost).
  const { execa } = await import('execa');
  const result = await execa(
    bwrap,
    [
      '--ro-bind',
      '/',
      '/',
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      '--unshare-pid',
      '--unshare-ipc',
      '--unshare-net',
      '--die-with-parent',
      'true',
    ],
    { reject: false, stdin: 'ignore', timeout: PROBE_TIMEOUT_MS, env: { PATH: env.PATH ?? '/usr/bin:/bin' }, extendEnv: false },
  );
  if (result.exitCode === 0) return { available: true, bwrap };
  const said = (result.stderr || (result.shortMessage ?? '')).trim().split('\n')[0] ?? '';
  return { available: false, why: `bwrap cannot make a sandbox here (${said})`, fix: namespaceFix(said) };
}

/** Whether this host's workers run their agents sandboxed, as `worker-manager status` and the page show it (docs/SPEC.md section 15). */
export interface SandboxState {
  /** SANDBOX as the workers read it. */
  readonly mode: 'auto' | 'on' | 'off';
  readonly in_use: boolean;
  /** Not in use: why, and what fixes it (null when in use). */
  readonly why: string | null;
  readonly fix: string | null;
  /** One line for a person. */
  readonly line: string;
}

/** What a worker started now with `mode` would decide on this host (the same probe it runs at start). */
export async function sandboxState(
  mode: 'auto' | 'on' | 'off',
  env: Readonly<Record<string, string | undefined>>,
  platform: string,
): Promise<SandboxState> {
  if (mode === 'off')
    return {
      mode,
      in_use: false,
      why: 'SANDBOX=off',
      fix: 'set SANDBOX=auto',
      line: "Sandbox: off (SANDBOX=off): agents run with your user's full access and the narrow tool list; set SANDBOX=auto to use it",
    };
  const probe = await probeSandbox(env, platform);
  if (probe.available)
    return {
      mode,
      in_use: true,
      why: null,
      fix: null,
      line: `Sandbox: in use (bubblewrap ${probe.bwrap}): agents may build and run tests inside it`,
    };
  const line =
    mode === 'on'
      ? `Sandbox: SANDBOX=on but ${probe.why}, so workers refuse to start: ${probe.fix}`
      : `Sandbox: not in use, ${probe.why}; agents run with your user's full access and the narrow tool list: ${probe.fix}`;
  return { mode, in_use: false, why: probe.why, fix: probe.fix, line };
}
