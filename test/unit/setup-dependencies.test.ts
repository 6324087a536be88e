import { describe, expect, it } from 'vitest';
import { dependencySpecs, judgeDependency } from '../../src/setup/dependencies.js';

/** The Pueue adapter kills a run gracefully with `kill -s SIGTERM`, a name Pueue accepts since 3.3. */
describe('setup dependency minimums', () => {
  const pueueSpecs = dependencySpecs('claude').filter((spec) => spec.name === 'pueue' || spec.name === 'pueued');

  it('reports Pueue 3.2 as too old for both binaries', () => {
    expect(pueueSpecs.map((spec) => judgeDependency(spec, `${spec.name} 3.2.0\n`).state)).toEqual(['too-old', 'too-old']);
  });

  it('accepts Pueue 3.3 and 4.0', () => {
    for (const version of ['3.3.0', '4.0.4']) {
      expect(pueueSpecs.map((spec) => judgeDependency(spec, `${spec.name} ${version}\n`).state)).toEqual(['ok', 'ok']);
    }
  });
});
