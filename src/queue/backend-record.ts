/**
 * The backend a data root uses, chosen once (docs/SPEC.md section 9.3): recorded in
 * `<data root>/queue/backend.json` at first use, and used by every later command whatever appears
 * on PATH, so installing or removing Pueue mid-pool moves no task and starts no daemon.
 */
import { existsSync, linkSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { errnoCode, WorkersError } from '../core/errors.js';
import { writeFileAtomicSync } from '../core/fs-safe.js';
import type { DataPaths } from '../core/paths.js';
import type { QueueBackend } from './backend.js';

export type BackendName = QueueBackend['name'];

const recordSchema = z.object({
  version: z.literal(1),
  backend: z.enum(['embedded', 'pueue', 'postgres']),
  chosen_at: z.string(),
});

export const backendRecordFile = (paths: Pick<DataPaths, 'queueDir'>) => join(paths.queueDir, 'backend.json');

/** The recorded backend; undefined when none is recorded yet. A damaged record is a clear error. */
export function readBackendRecord(paths: Pick<DataPaths, 'queueDir'>): BackendName | undefined {
  const file = backendRecordFile(paths);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw new WorkersError('config', `Cannot read ${file}: ${(error as Error).message}.`);
  }
  const parsed = recordSchema.safeParse(
    (() => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return undefined;
      }
    })(),
  );
  if (!parsed.success)
    throw new WorkersError('config', `${file} does not name a queue backend; run worker-queue backend NAME to choose one again.`);
  return parsed.data.backend;
}

/**
 * Records `name` unless a record exists (`replace`: the explicit change); returns the backend in
 * force. Concurrent first uses agree: the first link wins, the others read it.
 */
export function writeBackendRecord(paths: Pick<DataPaths, 'queueDir'>, name: BackendName, now: Date, replace = false): BackendName {
  const file = backendRecordFile(paths);
  const content = `${JSON.stringify({ version: 1, backend: name, chosen_at: now.toISOString() })}\n`;
  if (replace) {
    writeFileAtomicSync(file, content);
    return name;
  }
  const temp = `${file}.${process.pid}.${Date.now().toString(36)}.new`;
  writeFileAtomicSync(temp, content);
  try {
    linkSync(temp, file);
    return name;
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw error;
    return readBackendRecord(paths) ?? name;
  } finally {
    unlinkSync(temp);
  }
}

/**
 * On a data root without a record, the backend whose files already hold tasks: the embedded
 * queue's file with tasks in it, else Pueue's records file. Undefined when neither does.
 */
export function backendHoldingTasks(paths: Pick<DataPaths, 'queueDir'>): BackendName | undefined {
  const embedded = join(paths.queueDir, 'embedded-queue.json');
  if (existsSync(embedded)) {
    try {
      const store = JSON.parse(readFileSync(embedded, 'utf8')) as { tasks?: unknown[] };
      if (Array.isArray(store.tasks) && store.tasks.length > 0) return 'embedded';
    } catch {
      // A damaged queue file is the embedded queue's, which salvages it when opened.
      return 'embedded';
    }
  }
  const pueueRecords = join(paths.queueDir, 'pueue-records.json');
  if (existsSync(pueueRecords) && statSync(pueueRecords).size > 0) return 'pueue';
  if (existsSync(join(paths.queueDir, 'pueued-started.json'))) return 'pueue';
  return undefined;
}
