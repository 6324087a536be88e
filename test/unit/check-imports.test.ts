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

  it('fails on an edge between adapters/ and agent/, an import of cli/ and a cycle, naming each', () => {
    const root = tree({
      'agent/seam.ts': "import {\n  tool,\n} from '../adapters/tool.js';\nexport const seam = tool;\n",
      'adapters/tool.ts': "import type { Seam } from '../agent/seam.js';\nexport const tool = 1;\n",
      'core/a.ts': "export { b } from './b.js';\nexport const a = 1;\n",
      'core/b.ts': "import { a } from './a.js';\nexport const b = a;\n",
      'health/view.ts': "const context = () => import('../cli/context.js');\n",
      'cli/context.ts': 'export const context = 1;\n',
    });
    const result = spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n').sort()).toEqual([
      'check-imports: Import cycle: src/adapters/tool.ts, src/agent/seam.ts.',
      'check-imports: Import cycle: src/core/a.ts, src/core/b.ts.',
      'check-imports: src/adapters/tool.ts imports src/agent/seam.ts: a tool adapter does not know the agent seam.',
      'check-imports: src/agent/seam.ts imports src/adapters/tool.ts: the agent seam does not know the tool adapters (the worker composes them).',
      'check-imports: src/health/view.ts imports src/cli/context.ts: only the binaries live in cli/: move what is shared out of it.',
    ]);
  });
});
