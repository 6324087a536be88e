import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JsonFile } from '../../src/core/json-store.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

const counterSchema = z.object({ count: z.number().int(), names: z.array(z.string()) });
type Counter = z.infer<typeof counterSchema>;

function counterFile(dir: string, onCorrupt?: (movedTo: string, reason: string) => Promise<void>) {
  return new JsonFile<Counter>({
    path: join(dir, 'nested', 'counter.json'),
    schema: counterSchema,
    empty: () => ({ count: 0, names: [] }),
    now: () => new Date('2026-01-01T00:00:00.000Z'),
    ...(onCorrupt ? { onCorrupt } : {}),
  });
}

describe('JsonFile', () => {
  it('reads a missing file as empty without creating anything', async () => {
    const dir = makeTempDir();
    expect(await counterFile(dir).read()).toEqual({ count: 0, names: [] });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('applies many concurrent in-process updates without losing one, in one or a few writes', async () => {
    const dir = makeTempDir();
    const file = counterFile(dir);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        file.update((draft) => {
          draft.count += 1;
          draft.names.push(`w${index}`);
          return draft.count;
        }),
      ),
    );
    expect(new Set(results).size).toBe(200);
    const saved = await file.read();
    expect(saved.count).toBe(200);
    expect(saved.names).toHaveLength(200);
  });

  it('rejects only the update that throws and keeps the others', async () => {
    const file = counterFile(makeTempDir());
    const outcomes = await Promise.allSettled([
      file.update((draft) => {
        draft.count += 1;
      }),
      file.update((draft) => {
        draft.count += 100;
        throw new Error('refused');
      }),
      file.update((draft) => {
        draft.count += 1;
      }),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await file.read()).count).toBe(2);
  });

  it('gives each update of one batch the state as it left it, not what later updates made of it', async () => {
    const file = counterFile(makeTempDir());
    const seen = await Promise.all(
      [1, 2, 3].map((step) =>
        file.update((draft) => {
          draft.count += step;
          draft.names.push(`step${step}`);
          return draft;
        }),
      ),
    );
    expect(seen.map((state) => state.count)).toEqual([1, 3, 6]);
    expect(seen[0]?.names).toEqual(['step1']);
  });

  it('validates the file again once another writer changed it after this process wrote it', async () => {
    const dir = makeTempDir();
    const reports: string[] = [];
    const file = counterFile(dir, async (_movedTo, reason) => {
      reports.push(reason);
    });
    await file.update((draft) => {
      draft.count = 5;
    });
    writeFileSync(file.path, '{"count": "five", "names": []}\n');
    expect(await file.read()).toEqual({ count: 0, names: [] });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toContain('count');
  });

  it('writes 0600 files in 0700 directories and leaves no temp file, second name or lock behind', async () => {
    const dir = makeTempDir();
    const file = counterFile(dir);
    for (const count of [1, 2]) {
      await file.update((draft) => {
        draft.count = count;
      });
    }
    expect(statSync(join(dir, 'nested')).mode & 0o777).toBe(0o700);
    expect(statSync(file.path).mode & 0o777).toBe(0o600);
    expect(await file.read()).toEqual({ count: 2, names: [] });
    // The lock and the replaced file's second name are removed in the background, just after.
    await waitFor(() => readdirSync(join(dir, 'nested')).join(',') === 'counter.json', { timeoutMs: 2000, what: 'only counter.json left' });
  });

  it.each([
    ['garbage', 'this is {not json'],
    ['the wrong shape', '{"count": "three"}'],
    ['an empty file (what the shell tool left behind)', ''],
  ])('moves %s aside, reports it once and starts fresh', async (_name, content) => {
    const dir = makeTempDir();
    mkdirSync(join(dir, 'nested'));
    writeFileSync(join(dir, 'nested', 'counter.json'), content);
    const reports: string[] = [];
    const file = counterFile(dir, async (movedTo, reason) => {
      reports.push(`${movedTo} ${reason}`);
    });
    await file.update((draft) => {
      draft.count += 1;
    });
    expect((await file.read()).count).toBe(1);
    const aside = readdirSync(join(dir, 'nested')).filter((name) => name.includes('.corrupt-'));
    expect(aside).toEqual(['counter.json.corrupt-2026-01-01T00-00-00-000Z']);
    expect(readFileSync(join(dir, 'nested', aside[0]!), 'utf8')).toBe(content);
    expect(reports).toHaveLength(1);
  });
});
