import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script without type declarations
import { LAYERS } from '../../scripts/check-imports.mjs';
import { REPO_ROOT } from '../helpers/run-bin.js';

const architecture = readFileSync(join(REPO_ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8');
const SRC = join(REPO_ROOT, 'src');

function foldersUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => [join(dir, entry.name), ...foldersUnder(join(dir, entry.name))]);
}

describe('docs/ARCHITECTURE.md stays true', () => {
  it('names every folder under src/ on a line of its own', () => {
    const unnamed = foldersUnder(SRC)
      .map((folder) => `src/${relative(SRC, folder).split('\\').join('/')}/`)
      .filter((folder) => !architecture.includes(`- \`${folder}\``));
    expect(unnamed, 'folders under src/ that docs/ARCHITECTURE.md does not name').toEqual([]);
  });

  it('lists the layers that the import check enforces, in its order', () => {
    const line = /<!-- layers:[^>]*-->\s*```\s*\n(.+)\n```/.exec(architecture)?.[1];
    expect(line).toBe((LAYERS as string[][]).map((layer) => layer.join(' ')).join(' < '));
  });
});
