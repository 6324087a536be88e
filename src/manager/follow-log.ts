import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { readLastLines } from '../core/log-tail.js';

export interface FollowOptions {
  readonly lines: number;
  readonly follow: boolean;
  readonly write: (text: string) => void;
  readonly signal: AbortSignal;
  readonly pollMs?: number;
}

const sizeOf = (file: string) =>
  stat(file).then(
    (info) => info.size,
    () => 0,
  );

/** `tail -n N -f` for one log: the last lines, then whatever is appended, until the signal. */
export async function followLog(file: string, options: FollowOptions): Promise<void> {
  let offset = await sizeOf(file);
  const last = await readLastLines(file, options.lines);
  if (last.length > 0) options.write(`${last.join('\n')}\n`);
  while (options.follow && !options.signal.aborted) {
    await sleep(options.pollMs ?? 500, undefined, { signal: options.signal }).catch(() => undefined);
    const size = await sizeOf(file);
    // A truncated or replaced log starts over.
    if (size < offset) offset = 0;
    if (size === offset) continue;
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(size - offset);
      await handle.read(buffer, 0, buffer.length, offset);
      options.write(buffer.toString('utf8'));
      offset = size;
    } finally {
      await handle.close();
    }
  }
}
