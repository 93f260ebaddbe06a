/**
 * Seeds the demo city's answer templates: starting points a department fills in so its answer says what was done
 * (the {placeholders} are for the person writing). One set for every service, in the three languages; a city adds
 * its own per service through the API.
 */
import type { SeedOptions } from "../cli/seed.ts";
import type { Db } from "../db/index.ts";

const TEMPLATES: { locale: "pt-BR" | "en" | "es"; title: string; body: string }[] = [
  {
    locale: "pt-BR",
    title: "Serviço executado",
    body: "Em {data}, a equipe de {equipe} {o que foi feito} no local indicado. {Observação sobre o resultado ou prazo de conclusão}.",
  },
  {
    locale: "pt-BR",
    title: "Vistoria sem irregularidade",
    body: "Em {data}, a fiscalização vistoriou o local informado e não constatou {o problema relatado}. {O que o cidadão pode fazer se o problema voltar}.",
  },
  {
    locale: "pt-BR",
    title: "Serviço programado",
    body: "A solicitação foi incluída na programação de {tipo de serviço} da região, prevista para {período}. {Motivo do prazo e o que será feito}.",
  },
  {
    locale: "en",
    title: "Work done",
    body: "On {date}, the {team} team {what was done} at the place given. {Note on the result or when it will be finished}.",
  },
  {
    locale: "es",
    title: "Servicio ejecutado",
    body: "El {fecha}, el equipo de {equipo} {qué se hizo} en el lugar indicado. {Observación sobre el resultado o plazo de conclusión}.",
  },
];

/** Loads the general answer templates once (a template already there by title and language is left as it is). */
export async function seedAnswerTemplates(db: Db, options: SeedOptions): Promise<void> {
  const rows = await db.query(
    `INSERT INTO answer_templates (title, body, locale)
     SELECT t.title, t.body, t.locale FROM jsonb_to_recordset($1::jsonb) AS t(title text, body text, locale text)
      WHERE NOT EXISTS (SELECT 1 FROM answer_templates a
                         WHERE a.service_id IS NULL AND a.title = t.title AND a.locale = t.locale)
     RETURNING id`,
    [JSON.stringify(TEMPLATES)],
  );
  options.log?.(`answer templates: ${rows.length} added`);
}
