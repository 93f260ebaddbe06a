/** What every part of the server is handed: the database and the configuration. */
import type { Config } from "./config.ts";
import type { Db } from "./db/index.ts";

export interface AppContext {
  db: Db;
  config: Config;
}
