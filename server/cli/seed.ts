/**
 * Loads the demo city (São Paulo) from the real open data in ../shared/data: areas, streets, blocks, departments,
 * the SP156 service catalogue and the responsibility matrix; or one of its subprefeituras as a small city of its own
 * (a tenant's template). Every step is idempotent.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { SP156_RECORDS } from "../areas/postcodes.ts";
import { seedAreas, subprefeiturasOf } from "../areas/seed.ts";
import { seedCalendar } from "../calendar/seed.ts";
import { seedCatalogue } from "../catalogue/seed.ts";
import type { Db } from "../db/index.ts";
import { seedFieldDemo } from "../field/demo-seed.ts";
import { seedOrganisation } from "../organisation/seed.ts";
import { seedStaff } from "../staff/seed.ts";
import { seedAnswerTemplates } from "../work-orders/seed.ts";

export { subprefeituraCodes } from "../areas/seed.ts";

export interface SeedOptions {
  /** The folder holding sp156/ and sao-paulo-geo/. */
  sharedDataDir: string;
  /**
   * "full" loads every street and block of the city; "fixture" loads the small cut in tests/fixtures/ instead,
   * which is what the tests need and seeds in a second.
   */
  scope: "full" | "fixture";
  /** Prints progress lines when given. */
  log?: (line: string) => void;
  /**
   * Also creates the demo staff accounts, whose password is public (docs/operations.md): only for the embedded demo
   * and the tests, or when an operator asks with SEED_DEMO_ACCOUNTS=true. Absent: the city without its accounts.
   */
  accounts?: boolean;
  /**
   * A subprefeitura's code as the seed stores it ("11" for Pinheiros, "09" for Sé; see subprefeituraCodes): that
   * subprefeitura alone is loaded as the city, with its districts, the streets, blocks and postcodes within it, the
   * city-wide departments plus its own, and the same catalogue, calendar and templates. Absent: all of São Paulo.
   */
  subprefeitura?: string;
}

/** True when the demo city is not loaded yet (no service in the catalogue). */
export async function isEmptyCity(db: Db): Promise<boolean> {
  const rows = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM services");
  return (rows[0]?.n ?? 0) === 0;
}

/** The open-data files the demo city is loaded from (the fixture scope takes streets and blocks from tests/). */
function neededFiles(scope: SeedOptions["scope"]): string[] {
  const geo = ["sp_subprefeituras.geojson", "sp_distritos.geojson"];
  if (scope === "full") geo.push("sp_logradouros.geojson", "sp_quadras_fiscais.geojson");
  return [
    ...geo.map((f) => `sao-paulo-geo/${f}`),
    "sp156/sp156_catalogo_servicos.csv",
    ...(scope === "full" ? [SP156_RECORDS] : []),
  ];
}

/** The demo city's open data is not where SHARED_DATA_DIR says: the message says what, where, and the ways out. */
export class SharedDataMissing extends Error {
  override name = "SharedDataMissing";
  constructor(dir: string, missing: string[]) {
    super(
      [
        `The demo city (São Paulo) cannot be loaded: its open data is missing from ${dir}`,
        ...missing.map((f) => `  - ${f}`),
        "Either put the shared data there (a clone keeps it in ../shared/data beside the project) or point",
        "SHARED_DATA_DIR at the folder holding sp156/ and sao-paulo-geo/; or start without the demo city with",
        "SEED_DEMO=never (an empty city, loaded later through the admin screens or `npm run seed`). See README.md.",
      ].join("\n"),
    );
  }
}

/** A subprefeitura code the shared data does not have: the message lists the ones it has, with their names. */
export class UnknownSubprefeitura extends Error {
  override name = "UnknownSubprefeitura";
  constructor(code: string, known: Map<string, string>) {
    super(
      [
        `There is no subprefeitura with code "${code}" in São Paulo's open data. The codes are:`,
        ...[...known].map(([c, name]) => `  ${c}  ${name}`),
      ].join("\n"),
    );
  }
}

/** Loads the demo city into a migrated database; its staff accounts only when `options.accounts` asks for them. */
export async function seedDemoCity(db: Db, options: SeedOptions): Promise<void> {
  // Checked before anything is written, so a missing folder or a wrong code never leaves half a city behind.
  const missing = neededFiles(options.scope).filter((f) => !existsSync(join(options.sharedDataDir, f)));
  if (missing.length > 0) throw new SharedDataMissing(options.sharedDataDir, missing);
  if (options.subprefeitura !== undefined) {
    const known = subprefeiturasOf(options.sharedDataDir);
    if (!known.has(options.subprefeitura)) throw new UnknownSubprefeitura(options.subprefeitura, known);
  }
  // Order matters: departments refer to subprefeituras, the matrix to services and departments, staff to departments.
  // A subprefeitura's city is cut in the areas and organisation steps; catalogue, calendar and templates stay whole.
  await seedAreas(db, options);
  await seedCatalogue(db, options);
  await seedOrganisation(db, options);
  if (options.accounts) await seedStaff(db, options);
  else options.log?.("staff: no demo accounts (create the first administrator with npm run create-admin)");
  await seedCalendar(db, options);
  await seedAnswerTemplates(db, options);
  // Field quality (issue 17): the full demo city's questionnaires, past answers, block scores and routes.
  await seedFieldDemo(db, options);
}
