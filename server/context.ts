/** What every part of the server is handed: the database, the configuration and the replica's reader. */
import type { Config } from "./config.ts";
import type { Db } from "./db/index.ts";
import type { ReplicaReader } from "./db/replica.ts";

export interface AppContext {
  db: Db;
  config: Config;
  /** Reads that may go to the streaming replica (READ_DATABASE_URL): server/db/replica.ts. */
  reader?: ReplicaReader | undefined;
}
