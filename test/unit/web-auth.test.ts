import { peerUids } from '../../src/web/peer-user.js';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, tokensMatch } from '../../src/web/auth.js';
import { checkServeOptions } from '../../src/web/serve.js';

describe('dashboard access rules', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.8.9.1', '::1', 'localhost']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '10.0.0.1', '::', 'example.org', '128.0.0.1']) expect(isLoopbackHost(host)).toBe(false);
  });

  it('compares tokens whatever their lengths, and never accepts an empty one', () => {
    expect(tokensMatch('s3cret', 's3cret')).toBe(true);
    expect(tokensMatch('s3cre', 's3cret')).toBe(false);
    expect(tokensMatch('s3cret-and-more', 's3cret')).toBe(false);
    expect(tokensMatch('', '')).toBe(false);
  });

  it('needs a token off loopback and for actions', () => {
    expect(checkServeOptions({ host: '127.0.0.1', token: undefined, allowActions: false })).toBeNull();
    expect(() => checkServeOptions({ host: '0.0.0.0', token: '', allowActions: false })).toThrow(/needs a token/);
    expect(() => checkServeOptions({ host: '127.0.0.1', token: undefined, allowActions: true })).toThrow(/--allow-actions needs a token/);
    expect(checkServeOptions({ host: '0.0.0.0', token: 't', allowActions: true })).toBe('t');
  });
});

describe("the peer's user, from the kernel's socket table", () => {
  const TABLE = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0 100 0 0 10 0',
    '   1: 0100007F:A1B2 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 101 1 0 20 4 30 10 -1',
    '   2: 0100007F:1F90 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 102 1 0 20 4 30 10 -1',
  ].join('\n');

  it("finds the client's socket by its port and the server's, and its uid", () => {
    expect(peerUids([TABLE], 0xa1b2, 0x1f90)).toEqual([1000]);
    expect(peerUids([TABLE], 0xa1b3, 0x1f90)).toEqual([]);
  });
});
