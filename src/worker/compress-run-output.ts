import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

/**
 * Compresses each output file larger than `maxBytes` into `<file>.gz` and removes the plain one.
 * Only for finished runs: a live run's output is one stream that its agent's parser reads whole
 * (Claude's session id at the start, its result at the end), so it is never cut or moved while
 * written. Streamed, so a large file costs no memory; a crash midway leaves the plain file.
 */
export async function compressLargeOutputs(files: readonly string[], maxBytes: number): Promise<string[]> {
  const compressed: string[] = [];
  for (const file of files) {
    const size = await stat(file).then(
      (info) => info.size,
      () => 0,
    );
    if (size <= maxBytes) continue;
    const partial = `${file}.gz.partial`;
    // zlib is loaded with the first large output, not with the worker.
    const { createGzip } = await import('node:zlib');
    await pipeline(createReadStream(file), createGzip(), createWriteStream(partial, { mode: 0o600 }));
    await rename(partial, `${file}.gz`);
    await rm(file, { force: true });
    compressed.push(`${file}.gz`);
  }
  return compressed;
}
