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

  it("takes libpq's other forms: an empty host with ?host=, no user, and keyword/value settings", () => {
    expect(parseDatabaseUrl('postgresql://hw@/workers?host=/run/pg&port=5433', {}).config).toMatchObject({
      host: '/run/pg',
      port: 5433,
      user: 'hw',
      database: 'workers',
    });
    expect(parseDatabaseUrl('postgresql:///workers?host=/run/pg', { USER: 'me' })).toMatchObject({
      config: { host: '/run/pg', port: 5432, user: 'me', database: 'workers' },
      description: 'me@/run/pg:5432/workers',
    });
    const keywords = parseDatabaseUrl("host=/run/pg port=5433 dbname=workers user=hw password='it\\'s x'", {});
    expect(keywords.config).toMatchObject({ host: '/run/pg', port: 5433, user: 'hw', database: 'workers' });
    expect(keywords.config.password).toBe("it's x");
    expect(keywords.description).toBe('hw@/run/pg:5433/workers');
    expect(parseDatabaseUrl('postgres://[::1]:6000/q', { USER: 'me' }).config).toMatchObject({ host: '::1', port: 6000 });
  });

  it('names a libpq setting it does not support instead of ignoring it', () => {
    expect(() => parseDatabaseUrl('postgres://a@b/c?sslmode=require', {})).toThrow(
      /^WORKERS_DATABASE_URL sets sslmode, which this toolkit does not support; use only host, port, user, password, dbname, connect_timeout, application_name\.$/,
    );
    expect(() => parseDatabaseUrl('host=/run/pg service=x', {})).toThrow(/^WORKERS_DATABASE_URL sets service, which/);
    expect(() => parseDatabaseUrl('postgres://a@h1:1,h2:2/c', {})).toThrow(/^WORKERS_DATABASE_URL sets several hosts, which/);
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
