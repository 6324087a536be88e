import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { embeddedQueueFile, taskSchema, type EmbeddedStore, type EmbeddedTask } from './embedded-store.js';

export interface Salvaged {
  readonly store: EmbeddedStore;
  /** Tasks found in the damaged text that did not pass the schema (or were cut off). */
  readonly setAside: number;
}

/** Files beside the queue that hold a damaged queue set aside: `embedded-queue.json.corrupt-<time>`. */
export function setAsideQueueFiles(queueFile: string): string[] {
  const prefix = `${basename(queueFile)}.corrupt-`;
  try {
    return readdirSync(join(queueFile, '..'))
      .filter((name) => name.startsWith(prefix))
      .sort()
      .map((name) => join(queueFile, '..', name));
  } catch {
    return [];
  }
}

/** The lowest next id that `text` allows: above every task id and at least its nextId, valid or not. */
const nextIdAfter = (text: string) => {
  let next = 1;
  for (const match of text.matchAll(/"(id|nextId)":\s*"?(\d{1,15})/g))
    next = Math.max(next, Number(match[2]) + (match[1] === 'id' ? 1 : 0));
  return next;
};

/**
 * The candidate task objects of a damaged queue: the `tasks` array when the JSON parses, else each
 * complete task block of the file as the store writes it (two-space indent: a task opens with
 * `    {` and closes with `    }`), so a file cut off in the middle keeps its whole tasks.
 */
function candidates(text: string): unknown[] {
  try {
    const parsed = JSON.parse(text) as { tasks?: unknown };
    if (Array.isArray(parsed.tasks)) return parsed.tasks;
  } catch {
    // Not JSON any more: read task by task.
  }
  const found: unknown[] = [];
  for (const match of text.matchAll(/^ {4}\{\n[\s\S]*?^ {4}\}/gm)) {
    try {
      found.push(JSON.parse(match[0]));
    } catch {
      found.push(undefined);
    }
  }
  // A block cut off at the end of a truncated file is a task too, one that is lost.
  const opened = text.match(/^ {4}\{$/gm)?.length ?? 0;
  for (let index = found.length; index < opened; index += 1) found.push(undefined);
  return found;
}

/**
 * Keeps each task of a damaged queue that still passes the schema, and makes the next id higher
 * than every id ever seen (in the damaged text and in every queue set aside before), so no id is
 * given out twice.
 */
export function salvageQueue(text: string, earlierSetAside: readonly string[]): Salvaged {
  const tasks: EmbeddedTask[] = [];
  let setAside = 0;
  for (const candidate of candidates(text)) {
    const task = taskSchema.safeParse(candidate);
    if (task.success) tasks.push(task.data);
    else setAside += 1;
  }
  const nextId = Math.max(...[text, ...earlierSetAside].map(nextIdAfter));
  return { store: { version: 1, nextId, tasks }, setAside };
}

/** Reads the set-aside files for their ids; one that cannot be read adds none. */
export function readSetAside(files: readonly string[]): string[] {
  return files.flatMap((file) => {
    try {
      return [readFileSync(file, 'utf8')];
    } catch {
      return [];
    }
  });
}

/** Said on every command while a damaged queue lies set aside; undefined when none does. */
export function setAsideWarning(queueDir: string): string | undefined {
  const files = setAsideQueueFiles(embeddedQueueFile(queueDir));
  if (files.length === 0) return undefined;
  return `Warning: a damaged queue was set aside as ${files.join(', ')}; the tasks that could be read are still queued. Check it, re-add what is missing (worker-queue add), then delete it.`;
}
