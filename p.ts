import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { unaccent } from "@electric-sql/pglite/contrib/unaccent";
import { postgis } from "@electric-sql/pglite-postgis";

let t = Date.now();
const db = await PGlite.create({ extensions: { postgis, pg_trgm, unaccent } });
console.log("create", Date.now() - t);
t = Date.now();
await db.exec(
  "create extension if not exists postgis; create extension if not exists pg_trgm; create extension if not exists unaccent;",
);
console.log("ext", Date.now() - t);
t = Date.now();
console.log(
  (
    await db.query(
      "select postgis_version(), similarity('rua augusta','r augusta') s, unaccent('São Paulo') u",
    )
  ).rows,
);
const blob = await db.dumpDataDir("gzip");
console.log("dump", Date.now() - t, blob.size);
t = Date.now();
const db2 = await PGlite.create({ loadDataDir: blob, extensions: { postgis, pg_trgm, unaccent } });
console.log((await db2.query("select postgis_version()")).rows, "clone", Date.now() - t);
