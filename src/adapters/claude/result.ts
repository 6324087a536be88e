import { resultSchema, type ClaudeResult } from './stream-schema.js';

/**
 * The whole output of `claude -p --output-format json`: one result object, possibly
 * pretty-printed. Undefined when it is not one (a crash before the result, text on stdout).
 */
export function parseClaudeResultJson(text: string): ClaudeResult | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = resultSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
