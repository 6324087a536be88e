import { describe, expect, it } from 'vitest';
import { dependencySpecs } from '../../src/setup/dependencies.js';
import { describeDependency, formatSetupStep } from '../../src/setup/setup.js';

const spec = (name: string) => dependencySpecs('claude').find((entry) => entry.name === name)!;

describe("setup's dependency lines", () => {
  it('a missing optional dependency is marked optional and missing, never with a check mark', () => {
    const line = formatSetupStep(describeDependency({ spec: spec('pueue'), state: 'missing' }));
    expect(line).toMatch(/^○ dependency \(optional\): pueue is missing, the embedded queue will be used \(/);
    expect(line).not.toContain('✓');
  });

  it('a present dependency is checked and a missing required one crossed', () => {
    expect(formatSetupStep(describeDependency({ spec: spec('tmux'), state: 'ok', version: '3.4' }))).toBe('✓ dependency: tmux 3.4');
    expect(formatSetupStep(describeDependency({ spec: spec('tmux'), state: 'missing' }))).toMatch(/^✗ dependency: tmux is missing/);
  });
});
