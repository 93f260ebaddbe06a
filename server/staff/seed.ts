/** Seeds the staff of the demo city. */
import type { SeedOptions } from "../cli/seed.ts";
import type { Db } from "../db/index.ts";

/** Loads the demo city's staff; idempotent. */
export async function seedStaff(_db: Db, _options: SeedOptions): Promise<void> {}
