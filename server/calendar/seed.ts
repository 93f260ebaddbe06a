/**
 * Seeds the demo city's calendar (São Paulo): the state's and the municipality's holidays on top of the national
 * ones. Good Friday and Corpus Christi, also municipal holidays in São Paulo (Lei 14.485/2007), are already in the
 * national set; the opening hours and time zone keep the migration's defaults (Mon–Fri 08:00–18:00, São Paulo).
 */
import type { SeedOptions } from "../cli/seed.ts";
import type { Db } from "../db/index.ts";
import { forgetCalendar } from "./queries.ts";

interface SeedHoliday {
  scope: "state" | "municipal";
  name: { "pt-BR": string; en: string; es: string };
  month: number;
  day: number;
  from_year: number | null;
  until_year: number | null;
  law: string;
}

const SAO_PAULO_HOLIDAYS: SeedHoliday[] = [
  {
    scope: "state",
    name: {
      "pt-BR": "Revolução Constitucionalista de 1932",
      en: "Constitutionalist Revolution of 1932",
      es: "Revolución Constitucionalista de 1932",
    },
    month: 7,
    day: 9,
    from_year: 1997,
    until_year: null,
    law: "Lei estadual 9.497/1997",
  },
  {
    scope: "municipal",
    name: {
      "pt-BR": "Aniversário da cidade de São Paulo",
      en: "São Paulo city anniversary",
      es: "Aniversario de la ciudad de São Paulo",
    },
    month: 1,
    day: 25,
    from_year: null,
    until_year: null,
    law: "Lei municipal 14.485/2007",
  },
  {
    // Municipal from 2004 until it became national (Lei 14.759/2023); kept for imports of older demands.
    scope: "municipal",
    name: {
      "pt-BR": "Dia da Consciência Negra (municipal)",
      en: "Black Consciousness Day (municipal)",
      es: "Día de la Conciencia Negra (municipal)",
    },
    month: 11,
    day: 20,
    from_year: 2004,
    until_year: 2023,
    law: "Lei municipal 13.707/2004",
  },
];

/** Loads the demo city's state and municipal holidays; idempotent. */
export async function seedCalendar(db: Db, options: SeedOptions): Promise<void> {
  await db.query(
    `INSERT INTO holidays (scope, name, month, day, from_year, until_year, law)
     SELECT h.scope, h.name, h.month, h.day, h.from_year, h.until_year, h.law
       FROM jsonb_to_recordset($1::jsonb)
            AS h(scope text, name jsonb, month int, day int, from_year int, until_year int, law text)
     ON CONFLICT (tenant_id, scope, coalesce(on_date, '0001-01-01'), coalesce(month, 0), coalesce(day, 0),
                  coalesce(easter_offset, -1000)) DO UPDATE
        SET name = EXCLUDED.name, from_year = EXCLUDED.from_year, until_year = EXCLUDED.until_year,
            law = EXCLUDED.law`,
    [JSON.stringify(SAO_PAULO_HOLIDAYS)],
  );
  forgetCalendar(db);
  options.log?.(`calendar: ${SAO_PAULO_HOLIDAYS.length} state and municipal holidays`);
}
