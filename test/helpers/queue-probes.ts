import { readdirSync, readFileSync } from 'node:fs';

/** Pids of live processes whose command line contains `marker` (zombies excluded). */
export function processesWithMarker(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (cmdline.includes(marker) && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') found.push(Number(entry));
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
