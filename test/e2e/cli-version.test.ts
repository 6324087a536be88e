import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';

const { bin, version } = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as { bin: Record<string, string>; version: string };

describe('--version', () => {
  it.each(Object.keys(bin))('%s --version prints the package version and exits 0', async (name) => {
    for (const flag of ['--version', '-V']) {
      const result = await runBin(name, [flag], { home: makeTempDir() });
      expect(result).toEqual({ exitCode: 0, stdout: version, stderr: '' });
    }
  });
});
