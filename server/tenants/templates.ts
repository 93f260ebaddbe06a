/**
 * What a new tenant starts with (decision 0059): nothing but its starting rows (`empty`: the city loads its own
 * catalogue and areas through the admin screens and imports), São Paulo's demo city (`sao-paulo`), or one of São
 * Paulo's subprefeituras as a small city of its own (`subprefeitura:CODE`), all from the real open data in
 * SHARED_DATA_DIR. The demo staff accounts are never part of a template: the operator creates the first
 * administrator (`npm run create-admin -- --tenant SLUG`).
 */
import { seedDemoCity } from "../cli/seed.ts";
import type { TenantContent } from "./commands.ts";

/** The templates by name; `subprefeitura:CODE` takes a subprefeitura's code. */
export const TEMPLATES = ["empty", "sao-paulo", "subprefeitura:CODE"] as const;

/**
 * The content of template `name` (undefined when there is no such template). `scope` "fixture" loads the small cut
 * of streets the tests use.
 */
export function contentOfTemplate(
  name: string,
  sharedDataDir: string,
  log?: (line: string) => void,
  scope: "full" | "fixture" = "full",
): TenantContent | undefined {
  if (name === "empty") return async () => {};
  if (name === "sao-paulo") {
    return (db) => seedDemoCity(db, { sharedDataDir, scope, ...(log ? { log } : {}) });
  }
  const sub = /^subprefeitura:([A-Za-z0-9_-]{1,20})$/.exec(name);
  if (sub) {
    return (db) =>
      seedDemoCity(db, { sharedDataDir, scope, subprefeitura: sub[1] as string, ...(log ? { log } : {}) });
  }
  return undefined;
}
