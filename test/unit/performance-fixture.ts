import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dataPaths } from '../../src/core/paths.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import type { PerformanceContext } from '../../src/performance/load.js';
import type { QueueState } from '../../src/performance/report.js';
import { makeTempDir } from '../helpers/temp.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/performance/', import.meta.url));
export const EXPECTED = `${FIXTURES}expected/`;
/** The fixed clock of every golden output. */
export const NOW = new Date('2026-11-27T12:00:00.000Z');
export const FIXTURE_QUEUE: QueueState = { available: true, backend: 'embedded', pending: 12, running: 2 };

/** A private copy of a fixture data root (or an empty root), with the fixed clock and 4 cores. */
export function fixtureContext(fixture: 'basic' | 'shell-era' | 'empty', queue: QueueState = FIXTURE_QUEUE): PerformanceContext {
  const root = makeTempDir('hw-perf-');
  if (fixture !== 'empty') cpSync(`${FIXTURES}${fixture}`, root, { recursive: true });
  return {
    paths: dataPaths(root),
    settings: { ...DEFAULT_SETTINGS, WORKER_HOST: 'fixture-host' },
    now: NOW,
    cores: 4,
    queue: async () => queue,
  };
}
