/**
 * The caches a server process keeps by text (a service's code, an API key's hash, a catalogue's version, a filter,
 * a tenant's providers), per tenant but not per database: right for a process that serves one database, as every
 * server process does. A test shard (tests/shard.ts) runs file after file, each on a database of its own, so it empties them between files,
 * as a process of its own per file would have started empty. (Caches kept per connection pool need nothing.)
 */
import { forgetCachedKeys } from "../server/api-keys/auth.ts";
import { forgetHeldDistricts } from "../server/block-scores/queries.ts";
import { forgetCachedServices } from "../server/catalogue/queries.ts";
import { forgetBuiltIndexes } from "../server/classification/queries.ts";
import { forgetFlows } from "../server/conversations/flow-store.ts";
import { forgetEveryHeld } from "../server/tenants/held.ts";

export function forgetProcessCaches(): void {
  forgetCachedServices();
  forgetCachedKeys();
  forgetFlows();
  forgetBuiltIndexes();
  forgetHeldDistricts();
  forgetEveryHeld();
}
