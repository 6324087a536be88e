import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';

const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

// The built package (`npm run build` first) as another TypeScript project sees it.
describe('the package type declarations', () => {
  it('are where package.json says, and `import type` from hybrid-workers compiles to the real types', () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(manifest.exports['.']).toEqual({ types: './dist/types/index.d.ts', import: './dist/index.js' });
    expect(manifest.types).toBe(manifest.exports['.'].types);
    expect(existsSync(join(REPO_ROOT, manifest.types)), 'dist/types/index.d.ts: run npm run build').toBe(true);

    const consumer = makeTempDir('hw-types-');
    mkdirSync(join(consumer, 'node_modules'));
    symlinkSync(REPO_ROOT, join(consumer, 'node_modules', 'hybrid-workers'), 'dir');
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: true, skipLibCheck: true, types: [] },
        files: ['consumer.ts'],
      }),
    );
    writeFileSync(
      join(consumer, 'consumer.ts'),
      [
        "import type { QueueBackend, QueueTask, Settings } from 'hybrid-workers';",
        "export const status: QueueTask['status'] = 'queued';",
        '// @ts-expect-error: not a status (an error only if QueueTask is the package type, not any)',
        "export const wrong: QueueTask['status'] = 'asleep';",
        "export type Used = [QueueBackend['list'], Settings['WORKER_BACKEND']];",
        '',
      ].join('\n'),
    );
    const tsc = spawnSync(process.execPath, [TSC, '-p', consumer], { encoding: 'utf8' });
    expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
    expect(tsc.status).toBe(0);
  });
});
