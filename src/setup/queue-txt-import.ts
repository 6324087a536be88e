import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { errnoCode } from '../core/errors.js';
import { JsonFile } from '../core/json-store.js';
import type { DataPaths } from '../core/paths.js';
import type { QueueBackend } from '../queue/backend.js';
import { importPlan, planQueueTxtFile } from '../queue/queue-commands.js';

const markerSchema = z.object({ version: z.literal(1).default(1), imported: z.record(z.string(), z.string()).default({}) });
type ImportMarker = z.infer<typeof markerSchema>;

export type QueueTxtImport =
  | { readonly state: 'absent' }
  | { readonly state: 'already-imported'; readonly file: string }
  | { readonly state: 'imported'; readonly file: string; readonly added: number; readonly skipped: number };

export const queueTxtFile = (paths: DataPaths) => join(paths.root, 'queue.txt');

/**
 * Imports the shell tool's queue.txt once: the file's hash is remembered, so running setup again
 * (or after the file was imported by hand with the same content) adds nothing twice.
 */
export async function importQueueTxtOnce(paths: DataPaths, backend: QueueBackend, lockStaleMs: number): Promise<QueueTxtImport> {
  const file = queueTxtFile(paths);
  const content = await readFile(file).catch((error: unknown) => {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  });
  if (content === undefined) return { state: 'absent' };
  const hash = createHash('sha256').update(content).digest('hex');
  const marker = new JsonFile<ImportMarker>({
    path: join(paths.queueDir, 'queue-txt-imports.json'),
    schema: markerSchema,
    empty: () => ({ version: 1, imported: {} }),
    lockStaleMs,
  });
  if ((await marker.read()).imported[hash] !== undefined) return { state: 'already-imported', file };
  const result = await importPlan(backend, await planQueueTxtFile(file));
  await marker.update((draft) => {
    draft.imported[hash] = new Date().toISOString();
  });
  return { state: 'imported', file, added: result.imported, skipped: result.skippedFinished + result.skippedActive.length };
}
