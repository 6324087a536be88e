import { watch, type FSWatcher } from 'node:fs';

/** How often the snapshot is rebuilt with nothing changing on disk: ages and health states move with time. */
const TICK_MS = 1000;
/** A burst of writes (64 workers beating) gives one rebuild. */
const SETTLE_MS = 100;

/**
 * The latest snapshot as JSON, rebuilt when a watched directory changes (within SETTLE_MS) and
 * every TICK_MS, while anyone listens; `onChange` gets each one that differs from the one before.
 */
export class LiveState {
  private latest: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private building: Promise<string> | null = null;
  private again = false;
  private settling = false;
  private readonly watchers: FSWatcher[] = [];

  constructor(
    private readonly build: () => Promise<string>,
    private readonly options: {
      readonly dirs: readonly string[];
      readonly listening: () => boolean;
      readonly onChange: (json: string) => void;
    },
  ) {}

  start(): void {
    for (const dir of this.options.dirs) {
      try {
        const watcher = watch(dir, () => this.soon());
        watcher.on('error', () => undefined);
        this.watchers.push(watcher);
      } catch {
        // A directory that does not exist yet: the tick covers it.
      }
    }
    this.schedule(TICK_MS);
  }

  stop(): void {
    clearTimeout(this.timer);
    for (const watcher of this.watchers) watcher.close();
  }

  /** The current snapshot, built now if none is fresh. */
  async current(): Promise<string> {
    return this.latest ?? (await this.refresh());
  }

  async refresh(): Promise<string> {
    if (this.building !== null) {
      this.again = true;
      return this.building;
    }
    this.building = this.build().finally(() => {
      this.building = null;
    });
    const json = await this.building;
    const changed = json !== this.latest;
    this.latest = json;
    if (changed) this.options.onChange(json);
    if (this.again) {
      this.again = false;
      void this.refresh().catch(() => undefined);
    }
    return json;
  }

  private soon(): void {
    if (!this.options.listening()) {
      this.latest = null;
      return;
    }
    // The first change of a burst sets the time; later ones within it do not push it back.
    if (this.settling) return;
    this.settling = true;
    this.schedule(SETTLE_MS);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.settling = false;
      const next = () => this.schedule(TICK_MS);
      if (!this.options.listening()) {
        this.latest = null;
        next();
        return;
      }
      this.refresh().then(next, next);
    }, ms);
    this.timer.unref();
  }
}
