import { describe, expect, it } from 'vitest';
import { failureFor } from '../../src/adapters/github/gh-api.js';

const notFound = { status: 404, headers: new Map<string, string>(), body: { message: 'Not Found' } };

describe("GitHub's 404 in one sentence", () => {
  it('a refused write says what could not be made, never "GitHub has no a new issue"', () => {
    const message = failureFor({ path: 'repos/o/r/issues', method: 'POST', what: 'a new issue in o/r' }, notFound).message;
    expect(message).toBe(
      'GitHub could not make a new issue in o/r (HTTP 404): the repository or issue is not there, or this login may not see it: check the number and the repository.',
    );
    expect(message).not.toMatch(/has no a /);
  });

  it('a read still says what GitHub has not', () => {
    expect(failureFor({ path: 'repos/o/r/issues/12', what: 'issue #12 in o/r' }, notFound).message).toMatch(
      /^GitHub has no issue #12 in o\/r \(HTTP 404\)/,
    );
  });
});
