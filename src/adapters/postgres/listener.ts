/**
 * A LISTEN connection that comes back: when it drops (the server restarted, the link broke) it is
 * opened again with backoff, and `onChange` is called as soon as it listens again, since what was
 * notified while it was down is lost. The worker's slow poll stays the safety net behind it.
 */
import type pg from 'pg';

const RECONNECT_BACKOFF_MS = [100, 250, 500, 1000, 2000, 5000];

export async function listenFor(
  database: { connectClient(): Promise<pg.Client> },
  channels: readonly string[],
  onChange: () => void,
): Promise<() => void> {
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const next = await database.connectClient();
    let gone = false;
    const dropped = () => {
      if (gone) return;
      gone = true;
      if (client === next) client = undefined;
      if (!stopped) reconnect(0);
    };
    try {
      for (const channel of channels) await next.query(`LISTEN ${channel}`);
    } catch (error) {
      gone = true;
      void next.end().catch(() => undefined);
      throw error;
    }
    if (stopped) {
      void next.end().catch(() => undefined);
      return;
    }
    next.on('notification', () => onChange());
    next.on('error', dropped);
    next.on('end', dropped);
    client = next;
  };
  const reconnect = (tries: number) => {
    retry = setTimeout(
      () =>
        void connect().then(
          () => {
            if (!stopped) onChange();
          },
          () => {
            if (!stopped) reconnect(tries + 1);
          },
        ),
      RECONNECT_BACKOFF_MS[Math.min(tries, RECONNECT_BACKOFF_MS.length - 1)],
    );
    retry.unref();
  };
  await connect();
  return () => {
    stopped = true;
    clearTimeout(retry);
    void client?.end().catch(() => undefined);
  };
}
