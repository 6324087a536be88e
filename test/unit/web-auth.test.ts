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
