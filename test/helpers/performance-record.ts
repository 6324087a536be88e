import type { PerformanceRecord } from '../../src/history/history-record.js';

/** A history record for pure tests: task 1 of parent 1 by worker 1, a one-second success with no usage figures; `fields` over that. */
export const performanceRecord = (fields: Partial<PerformanceRecord> = {}): PerformanceRecord => ({
  task_id: '1',
  parent: '1',
  worker_id: 1,
  attempts: 1,
  result: 'success',
  error_class: null,
  cost_usd: undefined,
  input_tokens: undefined,
  output_tokens: undefined,
  num_turns: undefined,
  endedAt: 0,
  durationMs: 1000,
  ...fields,
});
