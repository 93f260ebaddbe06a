/** The JSON shapes of the citizens concept that leave the server. */
import type { CitizenRecord } from "./queries.ts";

/** A citizen as the staff console shows it: identity, contacts and how many demands they filed. */
export function presentCitizen(row: CitizenRecord) {
  return {
    id: row.id,
    name: row.name,
    document: row.document,
    locale: row.locale,
    contacts: row.contacts,
    demandCount: row.demand_count,
    createdAt: new Date(row.created_at).toISOString(),
    erasedAt: row.erased_at ? new Date(row.erased_at).toISOString() : null,
  };
}
