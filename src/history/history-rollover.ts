import { readdirSync } from 'node:fs';
import { link, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const monthOf = (date: Date) => date.toISOString().slice(0, 7);

/** `tasks-2026-11.jsonl` beside `tasks.jsonl`: the records of a month gone by. */
export const rolledHistoryFile = (historyFile: string, month: string) =>
  join(dirname(historyFile), basename(historyFile, '.jsonl') + `-${month}.jsonl`);

/**
 * The history rolls over at the first record of a new month: `tasks.jsonl`, last written in an
 * earlier month, becomes `tasks-<that month>.jsonl`. A hard link, then the unlink, so several
 * workers rolling at once never replace a rolled file (the second link fails), and a line
 * appended meanwhile lands in the rolled file, not nowhere.
 */
export async function rollHistoryIfNewMonth(historyFile: string, now: Date): Promise<void> {
  const written = await stat(historyFile).then(
    (info) => info.mtime,
    () => undefined,
  );
  if (written === undefined || monthOf(written) === monthOf(now)) return;
  const linked = await link(historyFile, rolledHistoryFile(historyFile, monthOf(written))).then(
    () => true,
    () => false,
  );
  if (linked) await unlink(historyFile).catch(() => undefined);
}

/** Every file of the history, oldest first: the rolled months, then the current file. */
export function historyFiles(historyFile: string): string[] {
  const stem = basename(historyFile, '.jsonl');
  const rolled = /^(.*)-(\d{4}-\d{2})\.jsonl$/;
  let names: string[] = [];
  try {
    names = readdirSync(dirname(historyFile));
  } catch {
    return [historyFile];
  }
  const months = names.filter((name) => rolled.exec(name)?.[1] === stem).sort();
  return [...months.map((name) => join(dirname(historyFile), name)), historyFile];
}
