import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** The CommonJS wrapper Node puts around a module; the bundle runs as that module would. */
const wrap = (source: string) => `(function (exports, require, module, __filename, __dirname) {${source}\n})`;

/**
 * Runs a command's CommonJS bundle with V8's code cache beside it. Compiling the bundle is a large
 * part of a short command's start-up, and Node 20 has no module compile cache (Node 22 does). The
 * cache is written when missing or rejected (another Node or V8 flags); a read-only install still
 * runs, only without the cache.
 */
export function runBundle(file: string): void {
  const cacheFile = `${file}.v8-cache`;
  const cachedData = readCache(cacheFile);
  const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected === true) {
    process.once('exit', () => saveCache(cacheFile, script));
  }
  const module = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, dirname(file));
}

function readCache(cacheFile: string): Buffer | undefined {
  try {
    return readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}

/** Written at exit, so it holds the functions this run compiled; temp + rename keeps it whole. */
function saveCache(cacheFile: string, script: Script): void {
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, script.createCachedData());
    renameSync(temp, cacheFile);
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      // Nothing was written: the directory is read-only.
    }
  }
}
