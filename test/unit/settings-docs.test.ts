import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTING_DEFINITIONS, type SettingDefinition } from '../../src/core/settings.js';
import { REPO_ROOT } from '../helpers/run-bin.js';

/** docs/SETTINGS.md is written from SETTING_DEFINITIONS by scripts/settings-table.mjs, never by hand. */
describe('docs/SETTINGS.md', () => {
  it('is what `npm run settings:docs` writes', () => {
    const generated = execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'settings-table.mjs'), '--stdout'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    const onDisk = readFileSync(join(REPO_ROOT, 'docs', 'SETTINGS.md'), 'utf8');
    expect(onDisk, 'docs/SETTINGS.md is out of date with src/core/settings.ts: run `npm run settings:docs`').toBe(generated);
  });

  it('has a description and the allowed values for every setting', () => {
    const entries = Object.entries(SETTING_DEFINITIONS) as [string, SettingDefinition<unknown>][];
    const lacking = entries
      .filter(([, definition]) => [definition.description, definition.allowed].some((text) => !text?.trim()))
      .map(([name]) => name);
    expect(lacking, 'give these settings a description (and their allowed values) in src/core/settings.ts').toEqual([]);
  });
});
