import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl, withoutDatabaseSecrets } from '../../src/adapters/postgres/database-url.js';

describe('WORKERS_DATABASE_URL', () => {
  it('takes a libpq URL; the description never holds the password', () => {
    const target = parseDatabaseUrl('postgres://hw:s%40cret@db.example:6543/queue', {});
    expect(target.config).toMatchObject({ host: 'db.example', port: 6543, user: 'hw', database: 'queue', password: 's@cret' });
    expect(target.description).toBe('hw@db.example:6543/queue');
  });

  it('takes a socket directory, in a URL (?host=) or alone, with libpq defaults from the environment', () => {
    expect(parseDatabaseUrl('postgresql://hw@localhost/q?host=%2Frun%2Fpg&port=7000', {}).config).toMatchObject({
      host: '/run/pg',
      port: 7000,
      user: 'hw',
      database: 'q',
    });
    expect(parseDatabaseUrl('/run/postgresql', { PGUSER: 'me', PGPORT: '5433', PGDATABASE: 'work' })).toMatchObject({
      config: { host: '/run/postgresql', port: 5433, user: 'me', database: 'work' },
      description: 'me@/run/postgresql:5433/work',
    });
  });

  it('refuses anything else in one sentence', () => {
    for (const bad of ['mysql://a@b/c', 'db.example:5432', 'relative/dir', 'postgres://a@b:port/c']) {
      expect(() => parseDatabaseUrl(bad, {})).toThrow(
        /^WORKERS_DATABASE_URL is neither a postgres:\/\/ or postgresql:\/\/ URL nor an absolute socket directory; set it to one of those\.$/,
      );
    }
    expect(() => parseDatabaseUrl(undefined, {})).toThrow(/^WORKER_BACKEND=postgres needs WORKERS_DATABASE_URL/);
  });

  it('leaves the secrets out of an environment passed on', () => {
    expect(withoutDatabaseSecrets({ PATH: '/bin', WORKERS_DATABASE_URL: 'postgres://a:b@c/d', PGPASSWORD: 'b' })).toEqual({ PATH: '/bin' });
  });
});
