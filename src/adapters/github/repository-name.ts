import { usageError } from '../../core/errors.js';
import { findRepoRoot, getOriginUrl } from '../git.js';

/*
 * Which GitHub repository a command works on: `--repo`, else GITHUB_REPOSITORY (the name GitHub
 * Actions uses), else the `origin` remote's URL when it points at a GitHub host.
 */

const NAME = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

export function verifyRepositoryName(raw: string, source: string): string {
  const name = raw.trim().replace(/\.git$/, '');
  if (!NAME.test(name) || name.split('/').some((part) => part === '.' || part === '..')) {
    throw usageError(`The repository ${JSON.stringify(raw.slice(0, 80))} from ${source} is not owner/name.`);
  }
  return name;
}

/** `owner/name` from a GitHub remote URL (https, ssh or scp-like); undefined for any other host. */
export function repositoryFromUrl(url: string, host: string): string | undefined {
  const hostPattern = host.replace(/[.]/g, '\\.');
  const match = new RegExp(
    `^(?:https?://(?:[^@/]+@)?|ssh://(?:[^@/]+@)?|[^@/:]+@)${hostPattern}(?::\\d+)?[:/]([^/]+/[^/]+?)(?:\\.git)?/?$`,
  ).exec(url.trim());
  return match && NAME.test(match[1]!) ? match[1] : undefined;
}

export interface RepositorySource {
  readonly flag?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** The repository and where it came from, or undefined when none is known. `originUrl`: how origin's URL is read. */
export async function findRepository(
  source: RepositorySource,
  originUrl: () => Promise<string | undefined> = () => getOriginUrl(source.cwd),
): Promise<{ name: string; from: string } | undefined> {
  if (source.flag !== undefined) return { name: verifyRepositoryName(source.flag, '--repo'), from: '--repo' };
  const fromEnv = source.env.GITHUB_REPOSITORY;
  if (fromEnv !== undefined && fromEnv !== '')
    return { name: verifyRepositoryName(fromEnv, 'GITHUB_REPOSITORY'), from: 'GITHUB_REPOSITORY' };
  const url = await originUrl();
  const name = url ? repositoryFromUrl(url, source.env.GH_HOST || 'github.com') : undefined;
  return name ? { name, from: 'the origin remote' } : undefined;
}

export async function requireRepository(source: RepositorySource): Promise<string> {
  const found = await findRepository(source);
  if (!found)
    throw usageError(
      'No GitHub repository is known: pass --repo owner/name, set GITHUB_REPOSITORY, or run in a clone whose origin is on GitHub.',
    );
  return found.name;
}

/**
 * A remote URL as one name for every clone of it: no credentials, scheme, port-less scp form,
 * `.git` or trailing slash; the host in lower case (`git@Host:team/p.git` = `https://u@host/team/p`).
 */
export function normaliseRemoteUrl(url: string): string {
  const text = url
    .trim()
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?(\/.*)?$/i.exec(text);
  if (withScheme) return `${withScheme[1]!.toLowerCase()}${withScheme[2] ?? ''}`;
  const scp = /^(?:[^@/:]+@)?([^/:]+):(.+)$/.exec(text);
  if (scp) return `${scp[1]!.toLowerCase()}/${scp[2]!.replace(/^\/+/, '')}`;
  return text;
}

/**
 * The repository a task belongs to (docs/SPEC.md section 3): GitHub `owner/name` where known,
 * else the normalised URL of `origin` (clones on several hosts are one repository), else the
 * repository's top-level path (`topLevel` when the caller knows it already). Origin's URL is read
 * once: every git process is part of a worker's start.
 */
export async function repositoryIdentity(source: Omit<RepositorySource, 'flag'> & { readonly topLevel?: string }): Promise<string> {
  let url: Promise<string | undefined> | undefined;
  const originUrl = () => (url ??= getOriginUrl(source.cwd));
  const github = await findRepository(source, originUrl).catch(() => undefined);
  if (github) return github.name;
  const origin = await originUrl();
  if (origin) return normaliseRemoteUrl(origin);
  return source.topLevel ?? (await findRepoRoot(source.cwd)) ?? source.cwd;
}
