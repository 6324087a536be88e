import { readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { WorkersError, errnoCode } from './errors.js';
import { ensureDir, writeFileAtomic } from './fs-safe.js';

export interface JsonFileOptions<T> {
  readonly path: string;
  /** Parses and migrates what is on disk; a failure means the file is corrupt. */
  readonly schema: z.ZodType<T, z.ZodTypeDef, unknown>;
  readonly empty: () => T;
  /** Called after a corrupt file was moved aside to `movedTo`. */
  readonly onCorrupt?: (movedTo: string, reason: string) => Promise<void>;
  /** A lock older than this is taken over: its holder died (kill -9) without releasing it. */
  readonly lockStaleMs?: number;
  readonly now?: () => Date;
}

type Mutation<T> = {
  readonly mutate: (draft: T) => unknown;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
};

type Outcome = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * Applies a batch to one draft, which is all a batch of heartbeats needs. Undefined when a
 * mutation threw, since it may have changed the draft half-way; results are copied out because a
 * later mutation of the batch may change the object a result points into.
 */
function applyBatch<T>(draft: T, batch: readonly Mutation<unknown>[]): { value: T; outcomes: Outcome[] } | undefined {
  const outcomes: Outcome[] = [];
  for (const mutation of batch) {
    try {
      outcomes.push({ ok: true, result: structuredClone(mutation.mutate(draft)) });
    } catch {
      return undefined;
    }
  }
  return { value: draft, outcomes };
}

/** The careful path: each mutation on its own copy, so one that throws changes nothing. */
function applyEachAlone<T>(initial: T, batch: readonly Mutation<unknown>[]): { value: T; outcomes: Outcome[] } {
  let value = initial;
  const outcomes: Outcome[] = [];
  for (const mutation of batch) {
    const draft = structuredClone(value);
    try {
      outcomes.push({ ok: true, result: mutation.mutate(draft) });
      value = draft;
    } catch (error) {
      outcomes.push({ ok: false, error });
    }
  }
  return { value, outcomes };
}

/** Pending mutations per file path, shared by every JsonFile of this process. */
const pendingByPath = new Map<string, Mutation<unknown>[]>();

/**
 * The text this process last wrote to each path. Those bytes are a schema's own output, so when
 * the file still holds exactly them they need no second validation, which for a metrics file
 * of 64 workers is most of a write's CPU time.
 */
const writtenByPath = new Map<string, string>();

export const DEFAULT_LOCK_STALE_MS = 5000;

/** How long a writer waits for the lock before giving up. */
const lockPatienceMs = (staleMs: number) => Math.max(60_000, staleMs * 6);

/**
 * A JSON file that many processes update: each update is read-modify-write under an inter-process
 * lock (proper-lockfile), written atomically. Updates issued while one is in flight in this process
 * are applied together under a single lock, so 64 in-process heartbeats cost one write, not 64.
 */
export class JsonFile<T> {
  constructor(private readonly options: JsonFileOptions<T>) {}

  get path(): string {
    return this.options.path;
  }

  /** The current content; a missing file reads as empty, a corrupt one is moved aside first. */
  async read(): Promise<T> {
    const parsed = await this.readParsed();
    if (parsed.ok) return parsed.value;
    return this.withLock(async () => {
      const again = await this.readParsed();
      if (again.ok) return again.value;
      return this.recoverCorrupt(again.reason);
    });
  }

  /**
   * Applies `mutate` to the current content and saves it. `mutate` changes the draft in place and
   * may return a value, which the promise resolves to. A mutation that throws changes nothing.
   */
  update<R>(mutate: (draft: T) => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const queue = pendingByPath.get(this.path);
      const mutation = { mutate, resolve, reject } as Mutation<unknown>;
      if (queue) {
        queue.push(mutation);
        return;
      }
      pendingByPath.set(this.path, [mutation]);
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    // Let mutations issued in the same tick join this batch.
    await Promise.resolve();
    const batch = pendingByPath.get(this.path) ?? [];
    pendingByPath.set(this.path, []);
    let outcomes: Outcome[] = [];
    try {
      await this.withLock(async () => {
        const applied = applyBatch(await this.readCurrent(), batch) ?? applyEachAlone(await this.readCurrent(), batch);
        outcomes = applied.outcomes;
        const text = `${JSON.stringify(applied.value, null, 2)}\n`;
        await writeFileAtomic(this.path, text);
        writtenByPath.set(this.path, text);
      });
      for (const [index, outcome] of outcomes.entries()) {
        if (outcome.ok) batch[index]?.resolve(outcome.result);
        else batch[index]?.reject(outcome.error);
      }
    } catch (error) {
      for (const mutation of batch) mutation.reject(error);
    }
    const next = pendingByPath.get(this.path);
    if (next && next.length > 0) {
      void this.flush();
    } else {
      pendingByPath.delete(this.path);
    }
  }

  /** What is on disk, freshly parsed (so the caller owns it); a corrupt file is recovered first. */
  private async readCurrent(): Promise<T> {
    const current = await this.readParsed();
    return current.ok ? current.value : this.recoverCorrupt(current.reason);
  }

  private async readParsed(): Promise<{ ok: true; value: T } | { ok: false; reason: string }> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT') return { ok: true, value: this.options.empty() };
      if (code === 'ENOTDIR') {
        throw new WorkersError('data-root', `Cannot read ${this.path}: a file stands where a directory should be.`, { cause: error });
      }
      throw new WorkersError('store', `Cannot read ${this.path}: ${(error as Error).message}.`, { cause: error });
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return { ok: false, reason: 'it is not valid JSON' };
    }
    if (text === writtenByPath.get(this.path)) return { ok: true, value: raw as T };
    const result = this.options.schema.safeParse(raw);
    if (!result.success) {
      const issue = result.error.issues[0];
      return { ok: false, reason: `it does not match the expected shape (${issue?.path.join('.') || 'top level'}: ${issue?.message})` };
    }
    return { ok: true, value: result.data };
  }

  /** Moves the unreadable file aside (kept for a person to inspect) and starts a fresh one. */
  private async recoverCorrupt(reason: string): Promise<T> {
    const stamp = (this.options.now?.() ?? new Date()).toISOString().replace(/[:.]/g, '-');
    const movedTo = `${this.path}.corrupt-${stamp}`;
    await rename(this.path, movedTo);
    const fresh = this.options.empty();
    await writeFileAtomic(this.path, `${JSON.stringify(fresh, null, 2)}\n`);
    await this.options.onCorrupt?.(movedTo, reason);
    return fresh;
  }

  private async withLock<R>(work: () => Promise<R>): Promise<R> {
    await ensureDir(dirname(this.path));
    const stale = Math.max(2000, this.options.lockStaleMs ?? DEFAULT_LOCK_STALE_MS);
    // Loaded on first write only: a read-only command (check, report) never pays for it.
    const { default: lockfile } = await import('proper-lockfile');
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(this.path, {
        realpath: false,
        stale,
        update: Math.floor(stale / 2),
        // Patient: a stale lock is taken over after `stale`, so waiting longer only happens under
        // heavy contention, where giving up would lose the update.
        retries: { retries: Math.ceil(lockPatienceMs(stale) / 10), factor: 1.2, minTimeout: 1, maxTimeout: 10, randomize: true },
        // The holder lost the lock (it was paused longer than `stale`); the atomic write keeps the file whole.
        onCompromised: () => undefined,
      });
    } catch (error) {
      throw new WorkersError('lock', `Could not lock ${this.path} within ${Math.round(lockPatienceMs(stale) / 1000)} s: another process holds it.`, {
        cause: error,
      });
    }
    try {
      return await work();
    } finally {
      await release().catch(() => undefined);
    }
  }
}
