import { usageError } from './errors.js';

/**
 * Splits a command setting into argv words the way a shell would tokenize it, without a shell:
 * whitespace separates words, single quotes keep text literally, double quotes keep spaces and
 * honour `\"` and `\\`, a backslash outside quotes escapes the next character. Nothing expands.
 */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (quote === "'") {
      if (char === "'") quote = null;
      else current += char;
    } else if (quote === '"') {
      if (char === '"') quote = null;
      else if (char === '\\' && (text[index + 1] === '"' || text[index + 1] === '\\')) current += text[++index];
      else current += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === '\\' && index + 1 < text.length) {
      current += text[++index];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote !== null) throw usageError(`WORKER_AGENT_CMD has an unclosed ${quote} quote: close it or remove it.`);
  if (inWord) words.push(current);
  if (words.length === 0) throw usageError('WORKER_AGENT_CMD is empty: set it to the agent command.');
  return words;
}
