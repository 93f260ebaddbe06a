/** Reads of the API clients admin. */
import type { Sql } from "../db/index.ts";
import { COLUMNS } from "./commands.ts";
import type { ApiClientRow } from "./present.ts";

/** Every client, newest first, for the admin screen. */
export async function listApiClients(sql: Sql): Promise<ApiClientRow[]> {
  return sql.query<ApiClientRow>(`SELECT ${COLUMNS} FROM api_clients ORDER BY id DESC`);
}
