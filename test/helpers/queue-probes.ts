import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Pids of live processes whose command line contains `marker` (zombies excluded). */
export function processesWithMarker(marker: string, options: { readonly withoutRunner?: boolean } = {}): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The runner carries the run's words in its own argv: `withoutRunner` counts the agent's processes only.
      const runner = options.withoutRunner === true && cmdline.includes('queue-runner');
      if (cmdline.includes(marker) && !runner && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** An agent (node -e) that ignores SIGTERM and leaves a grandchild that ignores it too. */
export const stubbornAgent = (marker: string) => [
  process.execPath,
  '-e',
  `process.on('SIGTERM', () => {});
   require('child_process').spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)", ${JSON.stringify(marker)}], { stdio: 'ignore' });
   setInterval(() => {}, 1000);`,
  marker,
];

/** An agent that waits for `goFile` to exist, then exits with `code`. */
export const gatedAgent = (goFile: string, code: number) => [
  process.execPath,
  '-e',
  `const fs = require('fs'); setInterval(() => { if (fs.existsSync(${JSON.stringify(goFile)})) process.exit(${code}); }, 20);`,
];

/** What each run's runner was given (the NUL-separated words of `<runs>/*.spec`), joined by spaces. */
export const runnerCommandLines = (runsDir: string) =>
  readdirSync(runsDir)
    .filter((name) => name.endsWith('.spec'))
    .map((name) => readFileSync(join(runsDir, name), 'utf8').split('\0').join(' '));
