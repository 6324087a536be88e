import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, testEnv } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';

const { bin, version } = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as { bin: Record<string, string>; version: string };

/** The README's install lines, as written there (README.md, "Install"). */
const README = readFileSync(`${REPO_ROOT}README.md`, 'utf8');
const INSTALL_LINES = ['npm install -g --prefix ~/.local .', 'export PATH="$HOME/.local/bin:$PATH"'];

describe("the README's optional install", () => {
  it('puts the six binaries in ~/.local/bin, and with the PATH line each runs from any directory', async () => {
    for (const line of INSTALL_LINES) expect(README).toContain(line);
    const home = makeTempDir('hw-install-home-');
    const script = [
      `cd ${JSON.stringify(REPO_ROOT)}`,
      // --ignore-scripts: `prepare` would rebuild dist/ under the tests running beside this one (npm test built it first).
      `${INSTALL_LINES[0]} --no-audit --no-fund --ignore-scripts >/dev/null`,
      INSTALL_LINES[1],
      'cd /',
      ...Object.keys(bin).map((name) => `${name} --version`),
    ].join(' && ');
    // A home of its own, so npm's cache and the install touch nothing of the developer's.
    const result = await execa('bash', ['-c', script], { env: testEnv({ HOME: home, npm_config_cache: `${home}/.npm` }), reject: false });
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n')).toEqual(Object.keys(bin).map(() => version));
  }, 120_000);
});
