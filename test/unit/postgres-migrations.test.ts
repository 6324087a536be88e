import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/adapters/postgres/migrations.js';
import { REPO_ROOT } from '../helpers/run-bin.js';

const DIR = join(REPO_ROOT, 'src', 'adapters', 'postgres', 'migrations');

/** The statements of a migration, its comments and layout aside. */
const statements = (sql: string) =>
  sql
    .replace(/--[^\n]*/g, '')
    .replace(/\s+/g, ' ')
    .trim();
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * What each migration ran when it shipped. A database records only its version, so a migration
 * changed after the fact would leave databases that applied the old text with another schema
 * under the same version: change the schema with a new migration instead.
 */
const SHIPPED = [
  'ae8a9e87da3424c1bee123c47485393277b1d4d3fa8048b6725d2c853aa21915',
  'e60d74848212fa27b9487541697c00b0eb69c54ac9a4e5f4859ca4ed49551a97',
  'f9d4d3d0bb309a0ea519dc37f90647d07e54b43f6a6978a854a812b931265821',
  'e0070ca24936d09ca4e60cc6d8e95fbd7dd4467579b42b164025e0d28af10901',
  '4db45740ea093e47ff76fc699c037c1f3cba812c3a34a71af3d07fc9235afe54',
  '0f64fdc47a061202115dbd5a5bc2651fc26a92614f8378d39cac6f63f4d5556b',
  'e7cf06a4a6e653f4d583e8b0b071a9e3cedfc00faa7bd102c5e676cb0d4c6275',
  '8b31551c817b4262bc934f943219248cfa18bcab0589807dc2e78160b5fc2b5b',
  'e69ab86c1d1f42608b82f1e894c37db7d080d4bdabb8b4a954da9f5bb02fe14d',
];

describe('postgres migrations', () => {
  const files = readdirSync(DIR)
    .filter((name) => name.endsWith('.sql'))
    .sort();

  it('are the files NNN-name.sql, numbered from 001 without a gap, each imported in its place', () => {
    expect(files.map((name) => name.slice(0, 4))).toEqual(files.map((_, index) => `${String(index + 1).padStart(3, '0')}-`));
    expect(files.every((name) => /^\d{3}-[a-z0-9-]+\.sql$/.test(name))).toBe(true);
    expect(SCHEMA_VERSION).toBe(files.length);
    expect(MIGRATIONS).toEqual(files.map((name) => readFileSync(join(DIR, name), 'utf8')));
  });

  it('run what they ran when they shipped', () => {
    expect(MIGRATIONS.slice(0, SHIPPED.length).map((sql) => sha256(statements(sql)))).toEqual(SHIPPED);
  });
});
