/**
 * Builds the database every test file starts from, once per run: migrated, with the demo city's fixture scope.
 * On PGlite it is a dumped data dir in .cache/ (reused while migrations and seed inputs are unchanged); on a
 * PostgreSQL server (DATABASE_URL) it is that database itself, which each test file copies as a template.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { seedDemoCity } from "../server/cli/seed.ts";
import { loadConfig } from "../server/config.ts";
import { connect, pgliteOf } from "../server/db/index.ts";
import { migrate } from "../server/db/migrate.ts";
import { buildWeb } from "../web/build.ts";
import { CURRENT_POINTER, templatePath } from "./template.ts";

const config = loadConfig({ ...process.env, DATABASE_URL: process.env.DATABASE_URL || undefined });
const started = Date.now();
if (config.databaseUrl) {
  const db = await connect({ databaseUrl: config.databaseUrl });
  await migrate(db);
  await seedDemoCity(db, { sharedDataDir: config.sharedDataDir, scope: "fixture", accounts: true });
  await db.close();
  console.log(`test template ready on PostgreSQL in ${Date.now() - started} ms`);
} else {
  const target = templatePath();
  if (existsSync(target)) {
    writeFileSync(CURRENT_POINTER, target);
    console.log("test template up to date");
  } else {
    mkdirSync(".cache", { recursive: true });
    const db = await connect({});
    await migrate(db);
    await seedDemoCity(db, { sharedDataDir: config.sharedDataDir, scope: "fixture", accounts: true });
    const blob = await pgliteOf(db)!.dumpDataDir("gzip");
    // Written aside and renamed, so a concurrent run never reads half a template.
    const partial = `${target}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await blob.arrayBuffer()));
    renameSync(partial, target);
    writeFileSync(CURRENT_POINTER, target);
    await db.close();
    console.log(`test template ready on PGlite in ${Date.now() - started} ms`);
  }
}
// The screens' bundles (.cache/web), which the in-process app serves in the browser tests; built after the
// database template, so a screen that does not compile yet still leaves the template ready for the API tests.
await buildWeb();
