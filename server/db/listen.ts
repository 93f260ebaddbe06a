/**
 * LISTEN/NOTIFY on PostgreSQL for `Db.listen` (index.ts): a dedicated connection per channel that reconnects by
 * itself. PGlite listens in process and needs none of this.
 */
import pg from "pg";

/** A channel name `Db.listen` accepts: a plain lower-case SQL identifier, safe to splice into LISTEN. */
export const CHANNEL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * LISTEN on a connection of its own (a pooled one would be handed to queries): when it drops it is opened again
 * after 1, 2, 4 … up to 10 seconds. Notifications sent while it was down are lost; listeners poll as a safety net.
 */
export async function listenPostgres(
  url: string,
  channel: string,
  onMessage: (payload: string) => void,
  connectTimeoutMs: number,
): Promise<() => Promise<void>> {
  if (!CHANNEL_NAME.test(channel)) throw new Error(`not a channel name: ${channel}`);
  let client: pg.Client | undefined;
  let stopped = false;
  let retryMs = 1000;
  let timer: NodeJS.Timeout | undefined;
  const open = async (): Promise<void> => {
    // A connect that hangs (a server that accepts and never answers) would stop the retries for good.
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
    c.on("notification", (n) => {
      if (n.channel === channel) onMessage(n.payload ?? "");
    });
    const reopen = () => {
      if (stopped || client !== c) return;
      client = undefined;
      c.end().catch(() => {});
      timer = setTimeout(() => void open().catch(() => {}), retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
    c.on("error", reopen);
    c.on("end", reopen);
    client = c;
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
      retryMs = 1000;
    } catch (error) {
      reopen();
      throw error;
    }
  };
  try {
    await open();
  } catch (error) {
    // The first connection fails loudly, with nothing left retrying behind the caller's back.
    stopped = true;
    clearTimeout(timer);
    throw error;
  }
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await client?.end().catch(() => {});
  };
}
