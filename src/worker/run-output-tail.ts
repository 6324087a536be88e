import { readLastLines } from '../core/log-tail.js';

const TAIL_LINES = 3;
const TAIL_CHARS = 400;

/**
 * Where an attempt's output is and what it said last, for its line in errors/worker-<id>.log: the
 * output file holds the agent's stdout and stderr together, and its last lines that are not
 * stream JSON (Claude Code's events) are what the agent or its CLI printed about the failure.
 */
export async function describeRunOutput(outputFile: string | null): Promise<string> {
  if (outputFile === null) return '';
  const lines = await readLastLines(outputFile, 50).catch(() => []);
  const said = lines
    .filter((line) => !line.trimStart().startsWith('{'))
    .slice(-TAIL_LINES)
    .join(' | ');
  const tail = said.length > TAIL_CHARS ? `...${said.slice(-TAIL_CHARS)}` : said;
  return ` (output: ${outputFile}${tail ? `; last lines: ${tail}` : '; no output'})`;
}
