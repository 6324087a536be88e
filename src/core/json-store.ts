import { renameSync } from 'node:fs';
import type { z } from 'zod';
import { WorkersError, errnoCode } from './errors.js';
import { DEFAULT_LOCK_STALE_MS, LockLostError, withFileLock, type AssertHeld } from './file-lock.js';
import { readDataFileSync, writeFileAtomicSync } from './fs-safe.js';

export interface JsonFileOptions<T> {
  readonly path: string;
  /** Parses and migrates what is on disk; a failure means the file is corrupt. */
  readonly schema: z.ZodType<T, z.ZodTypeDef, unknown>;
  readonly empty: () => T;
  /**
   * What to start again from when the file is corrupt, given its text (`empty` when absent): a
   * store can keep what is still sound in it. The whole file is kept aside either way.
   */
  readonly salvage?: (text: string) => T;
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

/**
 * A JSON file that many processes update: each update is read-modify-write under an inter-process
 * lock (file-lock.ts), written atomically. Updates issued while one is in flight in this process
 * are applied together under a single lock, so 64 in-process heartbeats cost one write, not 64.
 */
export class JsonFile<T> {
  constructor(private readonly options: JsonFileOptions<T>) {}

  get path(): string {
    return this.options.path;
  }

  /** The current content; a missing file reads as empty, a corrupt one is moved aside first. */
  async read(): Promise<T> {
    const parsed = this.readParsed();
    if (parsed.ok) return parsed.value;
    return this.withLock(async () => {
      const again = this.readParsed();
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
    // Let mutations issued in this turn of the event loop (say, by every heartbeat timer that came
    // due while the last write held the thread) join this batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const batch = pendingByPath.get(this.path) ?? [];
    pendingByPath.set(this.path, []);
    let outcomes: Outcome[] = [];
    try {
      await this.withLockKept(async (assertHeld) => {
        const applied = applyBatch(await this.readCurrent(), batch) ?? applyEachAlone(await this.readCurrent(), batch);
        outcomes = applied.outcomes;
        const text = `${JSON.stringify(applied.value, null, 2)}\n`;
        writeFileAtomicSync(this.path, text, { beforeRename: assertHeld });
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

  /**
   * What is on disk, freshly parsed (so the caller owns it); a corrupt file is recovered first.
   * A value, not a promise, when the file is sound: the critical section of a write then runs
   * without yielding, so the lock is held for microseconds plus one fsync.
   */
  private readCurrent(): T | Promise<T> {
    const current = this.readParsed();
    return current.ok ? current.value : this.recoverCorrupt(current.reason);
  }

  private readParsed(): { ok: true; value: T } | { ok: false; reason: string } {
    let text: string;
    try {
      text = readDataFileSync(this.path);
    } catch (error) {
      if (error instanceof WorkersError) throw error;
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

  /** Moves the unreadable file aside (kept for a person to inspect) and starts a fresh one from what could be salvaged. */
  private async recoverCorrupt(reason: string): Promise<T> {
    const stamp = (this.options.now?.() ?? new Date()).toISOString().replace(/[:.]/g, '-');
    const movedTo = `${this.path}.corrupt-${stamp}`;
    const fresh = this.options.salvage ? this.options.salvage(readDataFileSync(this.path)) : this.options.empty();
    renameSync(this.path, movedTo);
    writeFileAtomicSync(this.path, `${JSON.stringify(fresh, null, 2)}\n`);
    await this.options.onCorrupt?.(movedTo, reason);
    return fresh;
  }

  private withLock<R>(work: (assertHeld: AssertHeld) => Promise<R>): Promise<R> {
    const staleMs = this.options.lockStaleMs ?? DEFAULT_LOCK_STALE_MS;
    return withFileLock(this.path, { staleMs, wantedAgain: () => (pendingByPath.get(this.path)?.length ?? 0) > 0 }, work);
  }

  /** A write that lost its lock was discarded before its rename: it is done again, from a fresh read. */
  private async withLockKept<R>(work: (assertHeld: AssertHeld) => Promise<R>): Promise<R> {
    for (;;) {
      try {
        return await this.withLock(work);
      } catch (error) {
        if (!(error instanceof LockLostError)) throw error;
      }
    }
  }
}
