import { appendFileSync } from 'node:fs';

// Temporary instrument for issue 29 (scripts/bench/drain.mjs --steps): HW_STEP_TRACE=FILE appends
// `PID TASK STEP EPOCH_MS` at each step of a task. Unset, it does nothing.
const file = process.env['HW_STEP_TRACE'];
export const traceStep = (task: string, step: string): void => {
  if (file) appendFileSync(file, `${process.pid} ${task} ${step} ${(performance.timeOrigin + performance.now()).toFixed(2)}\n`);
};
