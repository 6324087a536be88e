import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { errnoCode } from '../../core/errors.js';
import { decisiveSignal, type ClaudeOutcome } from './classify.js';
import { ClaudeStreamParser, type StreamParserOptions, type StreamSummary } from './stream-parser.js';

/** Parses a finished run's output file in chunks; a missing file is an empty stream. */
export async function parseClaudeOutputFile(path: string, options: StreamParserOptions = {}): Promise<StreamSummary> {
  const parser = new ClaudeStreamParser(options);
  try {
    for await (const chunk of createReadStream(path)) parser.write(chunk as Buffer);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
  return parser.end();
}

const TAIL_CHUNK = 256 * 1024;

/**
 * Follows a running attempt's output file: each `poll()` parses what was appended since the
 * last one, so the worker sees progress (tool calls) while the run goes on, at a cost
 * proportional to the new bytes only.
 */
export class ClaudeOutputTail {
  private offset = 0;
  readonly parser: ClaudeStreamParser;

  constructor(
    private readonly path: string,
    options: StreamParserOptions = {},
  ) {
    this.parser = new ClaudeStreamParser(options);
  }

  /** Returns the number of new bytes read. */
  async poll(): Promise<number> {
    let handle;
    try {
      handle = await open(this.path, 'r');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return 0;
      throw error;
    }
    try {
      const buffer = Buffer.allocUnsafe(TAIL_CHUNK);
      let total = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, TAIL_CHUNK, this.offset);
        if (bytesRead === 0) return total;
        this.parser.write(buffer.subarray(0, bytesRead));
        this.offset += bytesRead;
        total += bytesRead;
      }
    } finally {
      await handle.close();
    }
  }
}

/**
 * Follows a running attempt's output for a signal that settles the run before it ends
 * (decisiveSignal): `check()` reads what was appended since the last call and returns the first
 * such outcome, then keeps returning it.
 */
export class ClaudeRunWatch {
  private decided: ClaudeOutcome | undefined;
  private readonly tail: ClaudeOutputTail;

  constructor(path: string) {
    this.tail = new ClaudeOutputTail(path, {
      onSignal: (signal) => {
        this.decided ??= decisiveSignal(signal);
      },
    });
  }

  async check(): Promise<ClaudeOutcome | undefined> {
    // An unreadable output is no verdict: the run's end is judged as always.
    if (this.decided === undefined) await this.tail.poll().catch(() => 0);
    return this.decided;
  }
}
