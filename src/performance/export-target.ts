import { stat } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { WorkersError, errnoCode, usageError } from '../core/errors.js';
import { writeFileAtomicSync } from '../core/fs-safe.js';
import { describeValue } from '../core/worker-id.js';

export const EXPORT_FORMATS = ['csv', 'json', 'prom'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Exports are read by other programs (a scraper, a spreadsheet), unlike the data root's 0600 files. */
const EXPORT_FILE_MODE = 0o644;

const isExportFormat = (value: string): value is ExportFormat => (EXPORT_FORMATS as readonly string[]).includes(value);

/**
 * `--format` wins; else the file's extension (.csv, .json, .prom); a file without one (or stdout)
 * gets csv, as the shell tool wrote. Any other extension is refused: `foo.xlsx` filled with CSV
 * would only fail later, in the program that opens it.
 */
export function resolveExportFormat(file: string, format: string | undefined): ExportFormat {
  if (format !== undefined) {
    if (!isExportFormat(format)) throw usageError(`Unknown export format ${describeValue(format)}: use csv, json or prom.`);
    return format;
  }
  const extension = file === '-' ? '' : extname(file).slice(1).toLowerCase();
  if (extension === '') return 'csv';
  if (!isExportFormat(extension)) {
    throw usageError(
      `Cannot tell the export format of ${file} from its extension .${extension}: name a .csv, .json or .prom file, or give --format csv, json or prom.`,
    );
  }
  return extension;
}

/** Refuses a target that cannot be written before any data is read, so a mistake writes nothing. */
export async function verifyExportTarget(file: string): Promise<void> {
  if (file === '-') return;
  const dir = dirname(file);
  const info = await stat(dir).catch((error: unknown) => {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new WorkersError('usage', `Cannot export to ${file}: ${(error as Error).message}.`, { cause: error });
  });
  if (info === undefined || !info.isDirectory()) {
    throw usageError(`Cannot export to ${file}: the directory ${dir} does not exist; create it first.`);
  }
  const target = await stat(file).catch(() => undefined);
  if (target?.isDirectory()) throw usageError(`Cannot export to ${file}: it is a directory; name a file in it.`);
}

/** Writes the export atomically (a cron job never leaves half a file for a scraper); `-` is stdout. */
export async function writeExport(file: string, content: string, writeStdout: (text: string) => void): Promise<void> {
  if (file === '-') {
    writeStdout(content);
    return;
  }
  try {
    writeFileAtomicSync(file, content, { mode: EXPORT_FILE_MODE, sharedDir: true });
  } catch (error) {
    if (error instanceof WorkersError) throw error;
    throw new WorkersError('store', `Cannot write the export ${file}: ${(error as Error).message}.`, { cause: error });
  }
}
