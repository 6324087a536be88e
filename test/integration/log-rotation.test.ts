import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp.js';

const WRITER = fileURLToPath(new URL('../fixtures/log-writer.mjs', import.meta.url));
const WRITERS = 8;
const LINES = 400;

describe('log rotation by size (LOG_MAX_BYTES, LOG_KEEP)', () => {
  it('under 8 parallel writer processes: every line present exactly once, whole, across the rotated files, the old ones gzipped', async () => {
    const dir = makeTempDir('hw-rotate-');
    const log = join(dir, 'health.log');
    // Keep enough files for everything written, so the test can count every line.
    await Promise.all(
      Array.from({ length: WRITERS }, (_, writer) => execa(process.execPath, [WRITER, log, String(writer), String(LINES), '16384', '100'])),
    );

    const names = readdirSync(dir).sort();
    expect(names.filter((name) => name.endsWith('.gz')).length).toBeGreaterThan(3);
    expect(
      names.every((name) => /^health\.log(\.1|\.\d+\.gz)?$/.test(name)),
      names.join(' '),
    ).toBe(true);
    const text = names
      .map((name) =>
        name.endsWith('.gz') ? gunzipSync(readFileSync(join(dir, name))).toString('utf8') : readFileSync(join(dir, name), 'utf8'),
      )
      .join('');
    const lines = text.split('\n').filter(Boolean);
    for (const line of lines) expect(line).toMatch(/^\[\S+\] \[INFO\] writer \d line \d+ x{40}$/);
    const seen = lines.map((line) => /writer (\d) line (\d+)/.exec(line)!.slice(1).join(':'));
    expect(new Set(seen).size).toBe(WRITERS * LINES);
    expect(seen).toHaveLength(WRITERS * LINES);
    expect(existsSync(`${log}.rotating`)).toBe(false);
  }, 120_000);

  it('keeps LOG_KEEP old files, dropping the oldest', async () => {
    const dir = makeTempDir('hw-rotate-');
    const log = join(dir, 'alerts.log');
    await execa(process.execPath, [WRITER, log, '0', '2000', '4096', '3']);
    expect(readdirSync(dir).sort()).toEqual(['alerts.log', 'alerts.log.1', 'alerts.log.2.gz', 'alerts.log.3.gz']);
  }, 60_000);
});
