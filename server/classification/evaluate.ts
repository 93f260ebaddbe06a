/**
 * `npx tsx server/classification/evaluate.ts [--folds=5]`: measures the suggester on the labelled SP156 messages
 * (shared/data/classifier/) the way docs/classifier.md reports it: top-1 and top-3, with the catalogue alone, with
 * the vocabulary, and trained on the examples by k-fold cross-validation (a message is never in the index that
 * ranks it). The catalogue is read from the same CSV the seed loads, turned into documents by the same function.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "csv-parse/sync";
import {
  buildIndex,
  DEFAULT_OPTIONS,
  type SuggesterOptions,
  suggest,
} from "../../domain/classification/suggester.ts";
import type { TextLanguage } from "../../domain/classification/text.ts";
import { readCatalogue } from "../catalogue/seed.ts";
import { keywordsOf, serviceCode, sourceRef } from "../catalogue/sp156.ts";
import { formerNamesOf } from "../catalogue/sp156-renamed.ts";
import { groupTranslation, serviceTranslation } from "../catalogue/translations.ts";
import { RESOLVED_FAMILIES } from "./cues.ts";
import { type CatalogueEntry, documentOf } from "./documents.ts";

/** One labelled message; `code` is null for a message that asks for no service. */
export interface LabelledMessage {
  id: string;
  text: string;
  code: string | null;
}

/** The catalogue as entries, as the seed writes it to the services table (translations and former names too). */
export function catalogueEntries(sharedDataDir: string): CatalogueEntry[] {
  return readCatalogue(sharedDataDir).map((row) => {
    const code = serviceCode(sourceRef(row.Tema, row.Assunto, row.Serviço));
    const formerNames = formerNamesOf(row.Tema, row.Assunto, row.Serviço);
    const translated = (language: "en" | "es") => ({
      name: serviceTranslation(code, language)?.name,
      group: groupTranslation(row.Assunto, language),
    });
    return {
      code,
      name: row.Serviço.replace(/\s+/g, " ").trim(),
      groupName: row.Assunto,
      rootGroupName: row.Tema,
      keywords: keywordsOf(row.Tema, row.Assunto, row.Serviço, ...formerNames),
      description: `${row.Tema} › ${row.Assunto} › ${row.Serviço}`,
      formerNames,
      translations: { en: translated("en"), es: translated("es") },
    };
  });
}

/**
 * Reads a labelled set with each label as a service code: the SP156 format (tema, assunto, servico: the dev set or
 * the held-out set) or a `code` column (the English and Spanish sets in tests/fixtures/classifier/; empty: none).
 */
export function readLabelled(path: string): LabelledMessage[] {
  const rows = parse(readFileSync(path, "utf8"), { columns: true, skip_empty_lines: true, bom: true }) as {
    id: string;
    text: string;
    tema: string;
    assunto: string;
    servico: string;
    code?: string;
  }[];
  if (rows[0] && "code" in rows[0])
    return rows.map((r) => ({ id: r.id, text: r.text, code: r.code?.trim() || null }));
  // Labels copy the catalogue verbatim, C1 dashes included: repaired as the seed repairs the catalogue.
  const repair = (s: string) => s.replaceAll("\u0096", "–").replaceAll("\u0097", "—");
  return rows.map((r) => ({
    id: r.id,
    text: r.text,
    code:
      r.servico === "(nenhum)"
        ? null
        : serviceCode(sourceRef(repair(r.tema), repair(r.assunto), repair(r.servico))),
  }));
}

/** Top-1 and top-3 hits over a set; a no-service message is a hit when nothing is suggested. */
export interface Score {
  top1: number;
  top3: number;
  total: number;
  /** The same, over the messages that do ask for a service. */
  serviceTop1: number;
  serviceTop3: number;
  serviceTotal: number;
}

/** Evaluates with `folds`-fold cross-validation on the examples (folds = 0: no example is trained on). */
export function evaluate(
  entries: CatalogueEntry[],
  messages: LabelledMessage[],
  {
    folds = 0,
    vocabulary = true,
    options = DEFAULT_OPTIONS,
    language = "pt-BR",
  }: {
    folds?: number;
    vocabulary?: boolean;
    options?: SuggesterOptions;
    /** The reader's language: the index and the messages are read in it. */
    language?: TextLanguage;
  } = {},
  onMiss?: (m: LabelledMessage, got: string[]) => void,
): Score {
  const score: Score = { top1: 0, top3: 0, total: 0, serviceTop1: 0, serviceTop3: 0, serviceTotal: 0 };
  const rounds = Math.max(1, folds);
  for (let fold = 0; fold < rounds; fold++) {
    // Messages are assigned to folds by position: the set's rows are shuffled already.
    const test = messages.filter((_, i) => folds === 0 || i % folds === fold);
    const train = folds === 0 ? [] : messages.filter((_, i) => i % folds !== fold);
    const examples = new Map<string, string[]>();
    for (const m of train) if (m.code) examples.set(m.code, [...(examples.get(m.code) ?? []), m.text]);
    const index = buildIndex(
      entries.map((e) => documentOf(e, examples.get(e.code) ?? [], { vocabulary, language })),
      options,
      language,
      RESOLVED_FAMILIES,
    );
    for (const m of test) {
      const got = suggest(index, m.text, 3).map((s) => s.code);
      const hit1 = m.code === null ? got.length === 0 : got[0] === m.code;
      const hit3 = m.code === null ? got.length === 0 : got.includes(m.code);
      score.total++;
      score.top1 += Number(hit1);
      score.top3 += Number(hit3);
      if (m.code !== null) {
        score.serviceTotal++;
        score.serviceTop1 += Number(hit1);
        score.serviceTop3 += Number(hit3);
      }
      if (!hit1) onMiss?.(m, got);
    }
  }
  return score;
}

const pct = (n: number, d: number) => `${((100 * n) / d).toFixed(1)}%`;

/** One line of the report. */
export function formatScore(label: string, s: Score): string {
  return `${label.padEnd(34)} top-1 ${pct(s.top1, s.total)}  top-3 ${pct(s.top3, s.total)}  (services only: top-1 ${pct(s.serviceTop1, s.serviceTotal)}, top-3 ${pct(s.serviceTop3, s.serviceTotal)}; n=${s.total})`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
  const shared = resolve(arg("shared") ?? process.env.SHARED_DATA_DIR ?? "../shared/data");
  const file = arg("file") ?? join(shared, "classifier", "sp156_frases_dev.csv");
  const folds = Number(arg("folds") ?? 5);
  const language = (arg("lang") ?? "pt-BR") as TextLanguage;
  const entries = catalogueEntries(shared);
  const verbose = process.argv.includes("--misses");
  const name = new Map(entries.map((e) => [e.code, e.name]));
  if (language !== "pt-BR") {
    // English and Spanish: the small sets written for the tests, read by the index of that language.
    const messages = readLabelled(arg("file") ?? `tests/fixtures/classifier/${language}.csv`);
    const show = (m: LabelledMessage, got: string[]) => {
      if (verbose) console.log(`  MISS ${m.id} ${m.text}\n     want ${m.code}\n     got  ${got.join(" ")}`);
    };
    console.log(
      formatScore(`${language}: names only`, evaluate(entries, messages, { language, vocabulary: false })),
    );
    console.log(formatScore(`${language}: names + words`, evaluate(entries, messages, { language }, show)));
    process.exit(0);
  }
  const messages = readLabelled(file);
  const noCues = { ...DEFAULT_OPTIONS, cues: false };
  console.log(
    formatScore(
      "catalogue only, no cues",
      evaluate(entries, messages, { vocabulary: false, options: noCues }),
    ),
  );
  console.log(formatScore("catalogue only", evaluate(entries, messages, { vocabulary: false })));
  console.log(
    formatScore("catalogue + vocabulary, no cues", evaluate(entries, messages, { options: noCues })),
  );
  console.log(formatScore("catalogue + vocabulary", evaluate(entries, messages)));
  console.log(
    formatScore(
      `+ examples, ${folds}-fold CV`,
      evaluate(entries, messages, { folds }, (m, got) => {
        if (verbose)
          console.log(
            `  MISS ${m.id} ${m.text.slice(0, 70)}\n     want ${m.code ? name.get(m.code) : "(none)"}\n     got  ${got.map((c) => name.get(c)?.slice(0, 40)).join(" | ")}`,
          );
      }),
    ),
  );
}
