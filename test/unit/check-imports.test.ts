import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';

const SCRIPT = join(REPO_ROOT, 'scripts', 'check-imports.mjs');

/** A repository root whose src/ holds `files` (path under src/ -> text). */
function tree(files: Record<string, string>): string {
  const root = makeTempDir('hw-imports-');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, 'src', path)), { recursive: true });
    writeFileSync(join(root, 'src', path), text);
  }
  return root;
}

describe('scripts/check-imports.mjs', () => {
  it('passes a graph where the worker composes agent/ and adapters/ and cli/ imports the rest', () => {
    const root = tree({
      'agent/seam.ts': 'export type Seam = { name: string };\n',
      'adapters/tool.ts': "import { z } from 'zod';\nexport const tool = z.string();\n",
      'worker/compose.ts':
        "import type { Seam } from '../agent/seam.js';\nimport { tool } from '../adapters/tool.js';\nexport const s: Seam = { name: String(tool) };\n",
      'cli/bin.ts': "import { runCli } from './run-cli.js';\nvoid import('../worker/compose.js');\n",
      'cli/run-cli.ts': 'export const runCli = 1;\n',
    });
    expect(execFileSync(process.execPath, [SCRIPT, root], { encoding: 'utf8' })).toContain('is sound');
  });

  it('fails on an import from a lower layer into a higher one, an unknown folder, the agent seam reaching the adapters and a cycle, naming each in one line', () => {
    const root = tree({
      'agent/seam.ts': "import {\n  tool,\n} from '../adapters/tool.js';\nexport const seam = tool;\n",
      'adapters/tool.ts': "import type { Paths } from '../core/paths.js';\nexport const tool = 1;\n",
      'core/paths.ts': "import { tool } from '../adapters/tool.js';\nexport type Paths = string;\n",
      'core/a.ts': "export { b } from './b.js';\nexport const a = 1;\n",
      'core/b.ts': "import { a } from './a.js';\nexport const b = a;\n",
      'queue/claim.ts': "import { run } from '../worker/run.js';\nexport const claim = run;\n",
      'worker/run.ts': 'export const run = 1;\n',
      'health/view.ts': "const context = () => import('../cli/context.js');\nimport { stop } from '../manager/stop.js';\n",
      'manager/stop.ts': 'export const stop = 1;\n',
      'history/read.ts': "import { report } from '../performance/report.js';\n",
      'performance/report.ts': 'export const report = 1;\n',
      'notify/send.ts': "import { page } from '../web/page.js';\n",
      'web/page.ts': 'export const page = 1;\n',
      'odd/thing.ts': "import { tool } from '../adapters/tool.js';\n",
      'cli/context.ts': 'export const context = 1;\n',
    });
    const result = spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    const higher = (from: string, to: string) =>
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^check-imports: src/${from} imports src/${to}: .* is a higher layer than `)),
      );
    higher('core/paths.ts', 'adapters/tool.ts');
    higher('queue/claim.ts', 'worker/run.ts');
    higher('health/view.ts', 'cli/context.ts');
    higher('health/view.ts', 'manager/stop.ts');
    higher('history/read.ts', 'performance/report.ts');
    higher('notify/send.ts', 'web/page.ts');
    expect(lines).toContain(
      'check-imports: src/agent/seam.ts imports src/adapters/tool.ts: the agent seam does not know the tool adapters (the worker composes them).',
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^check-imports: src\/odd\/thing.ts imports src\/adapters\/tool.ts: src\/odd is in no layer/),
    );
    expect(lines).toContain('check-imports: Import cycle: src/adapters/tool.ts, src/core/paths.ts.');
    expect(lines).toContain('check-imports: Import cycle: src/core/a.ts, src/core/b.ts.');
    expect(lines).toHaveLength(10);
  });

  it('the repository itself passes', () => {
    expect(execFileSync(process.execPath, [SCRIPT, REPO_ROOT], { encoding: 'utf8' })).toContain('is sound');
  });
});
