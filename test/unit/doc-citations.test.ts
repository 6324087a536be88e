import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/run-bin.js';

/**
 * The repository documents itself: a comment that cites a file (a path ending in .md, docs/...,
 * or a bare "SPEC section N" from before docs/SPEC.md existed) must name a file in the repository,
 * and a cited `section N` or `#anchor` must exist in it. Markdown links in README.md and docs/
 * are held to the same rule.
 */
const SCANNED_DIRS = ['src', 'scripts', 'test', 'bin', '.ci'];
const CODE_EXTENSIONS = new Set(['.ts', '.mjs', '.js', '.cjs']);
/** .ci/run and its like have no extension. */
const SHELL_EXTENSIONS = new Set(['.sh', '']);

interface Comment {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name === 'dist') return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const lineAt = (text: string, index: number) => text.slice(0, index).split('\n').length;

/** Block comments whole, runs of line comments joined; `//` or `#` must follow a blank or start a
 * line, so URLs and `${#x}` in code are not taken for comments. */
function extractComments(file: string, text: string): Comment[] {
  const comments: Comment[] = [];
  const shell = SHELL_EXTENSIONS.has(extname(file));
  if (!shell) {
    for (const match of text.matchAll(/\/\*([\s\S]*?)\*\//g)) {
      const body = match[1]!
        .split('\n')
        .map((line) => line.replace(/^\s*\*?/, ''))
        .join(' ');
      comments.push({ file, line: lineAt(text, match.index), text: body });
    }
  }
  const marker = shell ? /(?:^|\s)#(?!!)(.*)$/ : /(?:^|\s)\/\/(.*)$/;
  let run: { line: number; parts: string[] } | undefined;
  text.split('\n').forEach((line, index) => {
    const match = marker.exec(line);
    if (match) {
      run ??= { line: index + 1, parts: [] };
      run.parts.push(match[1]!);
      return;
    }
    if (run) comments.push({ file, line: run.line, text: run.parts.join(' ') });
    run = undefined;
  });
  if (run) comments.push({ file, line: run.line, text: run.parts.join(' ') });
  return comments;
}

/** GitHub's heading anchors: lower case, punctuation dropped, blanks to dashes. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

function anchorsOf(markdown: string): { anchors: Set<string>; sections: Set<string> } {
  const anchors = new Set<string>();
  const sections = new Set<string>();
  for (const match of markdown.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    anchors.add(slug(match[1]!));
    const number = /^(\d+(?:\.\d+)*)\.?\s/.exec(match[1]!);
    if (number) sections.add(number[1]!);
  }
  for (const match of markdown.matchAll(/<a id="([^"]+)"/g)) anchors.add(match[1]!);
  return { anchors, sections };
}

/** The problem with one citation, or undefined when it resolves. */
function checkTarget(fromDir: string, path: string, anchor: string | undefined, section: string | undefined): string | undefined {
  const candidates = [join(REPO_ROOT, path), join(fromDir, path)];
  const target = candidates.find((candidate) => existsSync(candidate));
  if (target === undefined) return `${path} is not in the repository`;
  if (anchor === undefined && section === undefined) return undefined;
  if (!target.endsWith('.md') || statSync(target).isDirectory()) return undefined;
  const { anchors, sections } = anchorsOf(readFileSync(target, 'utf8'));
  if (anchor !== undefined && !anchors.has(anchor)) return `${path} has no anchor #${anchor}`;
  if (section !== undefined && !sections.has(section)) return `${path} has no section ${section}`;
  return undefined;
}

/** A path ending in .md, or any path under docs/; a citation may add `#anchor` or `section N(.M)`. */
const MD_PATH = String.raw`(?:\.{1,2}\/)?[\w.-]*(?:\/[\w.-]+)*\.md`;
const DOCS_PATH = String.raw`docs\/[\w./-]*[\w/]`;

function citationProblems(comment: Comment): string[] {
  const problems: string[] = [];
  const where = `${relative(REPO_ROOT, comment.file)}:${comment.line}`;
  if (/\bSPEC(?: sections?\b| §| \d|'s\b)/.test(comment.text)) problems.push(`${where}: a bare SPEC: cite docs/SPEC.md section N`);
  if (/(?:\.\.\/|\/work\/)shared\b/.test(comment.text)) problems.push(`${where}: cites a folder outside the repository`);
  const citation = new RegExp(String.raw`(?<![\w/.-])(${MD_PATH}|${DOCS_PATH})(?:#([\w-]+))?(?:,?\s+sections?\s+(\d+(?:\.\d+)*))?`, 'g');
  for (const match of comment.text.matchAll(citation)) {
    const problem = checkTarget(dirname(comment.file), match[1]!, match[2], match[3]);
    if (problem) problems.push(`${where}: ${problem}`);
  }
  return problems;
}

function markdownLinkProblems(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const problems: string[] = [];
  for (const match of text.matchAll(/\]\(([^)\s#]*)(?:#([^)\s]+))?\)/g)) {
    const [, path, anchor] = match;
    if (/^[a-z]+:/.test(path!)) continue;
    const own = path === '' ? file : join(dirname(file), path!);
    const problem = checkTarget(dirname(file), relative(REPO_ROOT, own), anchor, undefined);
    if (problem) problems.push(`${relative(REPO_ROOT, file)}:${lineAt(text, match.index)}: ${problem}`);
  }
  return problems;
}

const THIS_FILE = join(REPO_ROOT, 'test', 'unit', 'doc-citations.test.ts');

/** Code and shell files; this file is left out because its examples are broken citations on purpose. */
const scannedFiles = () =>
  SCANNED_DIRS.flatMap((dir) => walk(join(REPO_ROOT, dir))).filter((file) => {
    const extension = extname(file);
    return file !== THIS_FILE && (CODE_EXTENSIONS.has(extension) || SHELL_EXTENSIONS.has(extension));
  });

describe('citations in comments', () => {
  it('finds the comments it checks', () => {
    expect(scannedFiles().length).toBeGreaterThan(100);
  });

  it('cite only files, sections and anchors that exist in the repository', () => {
    const problems = scannedFiles().flatMap((file) => extractComments(file, readFileSync(file, 'utf8')).flatMap(citationProblems));
    expect(problems).toEqual([]);
  });

  it('are found in block, line and shell comments, and not in code', () => {
    const ts = join(REPO_ROOT, 'src', 'x.ts');
    const sh = join(REPO_ROOT, 'scripts', 'x.sh');
    const cited = (file: string, text: string) => extractComments(file, text).flatMap(citationProblems).length;
    expect(cited(ts, '/**\n * As CLI.md says.\n */')).toBe(1);
    expect(cited(ts, 'run(); // SPEC section 4')).toBe(1);
    expect(cited(ts, '// as the SPEC 6 says; `spec SPEC` is a placeholder')).toBe(1);
    expect(cited(ts, '// docs/SPEC.md section 99')).toBe(1);
    expect(cited(ts, '// docs/SPEC.md#no-such-anchor')).toBe(1);
    expect(cited(ts, "// docs/NOPE.md\nconst url = 'http://x/CLI.md';")).toBe(1);
    expect(cited(ts, "const name = 'NOTE.md'; // README.md")).toBe(0);
    expect(cited(ts, '// docs/SPEC.md section 8.4, docs/SPEC.md#settings and docs/PUEUE.md section 6')).toBe(0);
    expect(cited(sh, '# see CONTRACT.md\necho "${#x}"')).toBe(1);
  });
});

describe('links in README.md and docs/', () => {
  it('point at files and anchors that exist', () => {
    const files = [join(REPO_ROOT, 'README.md'), ...walk(join(REPO_ROOT, 'docs')).filter((file) => file.endsWith('.md'))];
    expect(files.flatMap(markdownLinkProblems)).toEqual([]);
  });
});
