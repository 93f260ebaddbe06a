import { buildApp } from "../server/http/app.ts";
import { connect } from "../server/db/index.ts";
import { templateBlob, testConfig, staffHeaders } from "./helpers.ts";
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  const db = await connect({ loadDataDir: templateBlob() });
  const t1 = performance.now();
  const app = await buildApp({ db, config: testConfig() });
  await app.ready();
  const t2 = performance.now();
  await staffHeaders(db, "manager");
  const t3 = performance.now();
  await app.inject({ method: "GET", url: "/api/v1/services?limit=5" });
  const t4 = performance.now();
  await app.close(); await db.close();
  console.log(`db ${(t1 - t0).toFixed(0)} app ${(t2 - t1).toFixed(0)} staff ${(t3 - t2).toFixed(0)} first request ${(t4 - t3).toFixed(0)}`);
}
