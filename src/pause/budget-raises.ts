/**
 * Where `worker-manager resume --budget` records a raised budget: the data root on one host, the
 * shared database on postgres (every host's workers honour it). The database is opened on first
 * use, as the pool-wide pause is.
 */
import { join } from 'node:path';
import { z } from 'zod';
import type { Database } from '../adapters/postgres/database.js';
import { JsonFile } from '../core/json-store.js';
import type { DataPaths } from '../core/paths.js';
import type { Settings } from '../core/settings.js';
import { sharesDatabase } from '../core/shared-database.js';
import type { BudgetRaises } from './budget.js';

export interface BudgetRaiseStore {
  read(): Promise<BudgetRaises>;
  /** Today's budget (`day` in BUDGET_TZ) becomes `usd`, for that day only. */
  raiseDaily(day: string, usd: number): Promise<void>;
  raiseParent(parent: string, usd: number): Promise<void>;
}

const fileSchema = z.object({
  version: z.literal(1),
  daily: z.object({ day: z.string(), usd: z.number().nonnegative() }).nullable(),
  parents: z.record(z.number().nonnegative()),
});
type RaisesFile = z.infer<typeof fileSchema>;

export const budgetRaisesFile = (paths: Pick<DataPaths, 'stateDir'>) => join(paths.stateDir, 'budget-raises.json');

class FileBudgetRaises implements BudgetRaiseStore {
  private readonly file: JsonFile<RaisesFile>;

  constructor(paths: Pick<DataPaths, 'stateDir'>, now: () => Date) {
    this.file = new JsonFile<RaisesFile>({
      path: budgetRaisesFile(paths),
      schema: fileSchema,
      empty: () => ({ version: 1, daily: null, parents: {} }),
      now,
    });
  }

  async read(): Promise<BudgetRaises> {
    const { daily, parents } = await this.file.read();
    return { daily, parents };
  }

  async raiseDaily(day: string, usd: number): Promise<void> {
    await this.file.update((draft) => {
      draft.daily = { day, usd };
    });
  }

  async raiseParent(parent: string, usd: number): Promise<void> {
    await this.file.update((draft) => {
      draft.parents[parent] = usd;
    });
  }
}

class DatabaseBudgetRaises implements BudgetRaiseStore {
  constructor(private readonly database: () => Promise<Pick<Database, 'query'>>) {}

  async read(): Promise<BudgetRaises> {
    const { rows } = await (
      await this.database()
    ).query<{ scope: string; day: string | null; usd: number }>('SELECT scope, day, usd FROM hw_budget_raises');
    const daily = rows.find((row) => row.scope === 'daily');
    const parents = Object.fromEntries(
      rows.filter((row) => row.scope.startsWith('parent:')).map((row) => [row.scope.slice('parent:'.length), Number(row.usd)]),
    );
    return { daily: daily?.day ? { day: daily.day, usd: Number(daily.usd) } : null, parents };
  }

  raiseDaily(day: string, usd: number): Promise<void> {
    return this.upsert('daily', day, usd);
  }

  raiseParent(parent: string, usd: number): Promise<void> {
    return this.upsert(`parent:${parent}`, null, usd);
  }

  private async upsert(scope: string, day: string | null, usd: number): Promise<void> {
    await (
      await this.database()
    ).query(
      `INSERT INTO hw_budget_raises (scope, day, usd) VALUES ($1, $2, $3)
       ON CONFLICT (scope) DO UPDATE SET day = $2, usd = $3, set_at = now()`,
      [scope, day, usd],
    );
  }
}

export interface BudgetRaiseOptions {
  readonly paths: Pick<DataPaths, 'stateDir'>;
  readonly settings: Pick<Settings, 'WORKER_BACKEND'>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
  /** The caller's open database (a worker's queue), so the store takes no connections of its own. */
  readonly database?: Database;
}

export function openBudgetRaises(options: BudgetRaiseOptions): BudgetRaiseStore {
  if (!sharesDatabase(options.settings)) return new FileBudgetRaises(options.paths, options.now);
  let opened: Promise<Pick<Database, 'query'>> | undefined;
  return new DatabaseBudgetRaises(
    () =>
      (opened ??= options.database
        ? Promise.resolve(options.database)
        : import('../adapters/postgres/shared-database.js').then(({ sharedDatabase }) => sharedDatabase(options.env))),
  );
}
