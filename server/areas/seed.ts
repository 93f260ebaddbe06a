/** Seeds the areas of the demo city. */
import type { SeedOptions } from "../cli/seed.ts";
import type { Db } from "../db/index.ts";

/** Loads the demo city's areas; idempotent. */
export async function seedAreas(_db: Db, _options: SeedOptions): Promise<void> {}
