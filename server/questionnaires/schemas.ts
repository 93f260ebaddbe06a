/**
 * The inputs of the questionnaires' admin API (issue 17) and the shapes it answers. A definition's own rules are the
 * domain's (`parseDefinition` in domain/questionnaire.ts): here it is only "an object", checked in the command.
 */
import { z } from "zod";

/** A questionnaire's stable code: the XLSForm form_id when imported (questionnaires.code's CHECK). */
export const QuestionnaireCode = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "a-z, 0-9, _ and -, up to 63");

/** A code of the catalogue (a service's or a service group's). */
const CatalogueCode = z.string().trim().min(1).max(64);

/** A text in the city's languages: pt-BR always. */
export const LocalTextInput = z.object({
  "pt-BR": z.string().trim().min(1).max(200),
  en: z.string().trim().max(200).optional(),
  es: z.string().trim().max(200).optional(),
});
export type LocalTextInput = z.infer<typeof LocalTextInput>;

/** A definition as sent: checked by the domain's parseDefinition (422 invalid_questionnaire, a field per problem). */
export const DefinitionInput = z
  .object({
    /** The questions in the order they are asked (docs/questionnaires.md). */
    questions: z.array(z.unknown()),
  })
  .loose();

/** A new questionnaire about one service or one service group: its first version is a draft. */
export const QuestionnaireInput = z
  .object({
    code: QuestionnaireCode,
    title: LocalTextInput,
    /** The service it asks about, by code; or else: */
    service: CatalogueCode.optional(),
    /** The service group it asks about, by code (each scored question then names its service). */
    serviceGroup: CatalogueCode.optional(),
    definition: DefinitionInput,
  })
  .refine((v) => (v.service === undefined) !== (v.serviceGroup === undefined), {
    message: "exactly one of service and serviceGroup",
    path: ["service"],
  });
export type QuestionnaireInput = z.infer<typeof QuestionnaireInput>;

/** The draft's new questions (and title): replaces the draft, or starts one with the next version number. */
export const DraftInput = z.object({
  definition: DefinitionInput,
  title: LocalTextInput.optional(),
});
export type DraftInput = z.infer<typeof DraftInput>;

/** A questionnaire named in the path. */
export const QuestionnaireParams = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 53),
});

/** One version of a questionnaire named in the path. */
export const VersionParams = QuestionnaireParams.extend({
  version: z.coerce.number().int().positive().max(1_000_000),
});

/** The multipart fields of an XLSForm import besides its `file`. */
export const ImportFields = z.object({
  /** The questionnaire's code; else the form's settings form_id. */
  code: QuestionnaireCode.optional(),
  service: CatalogueCode.optional(),
  serviceGroup: CatalogueCode.optional(),
});
export type ImportFields = z.infer<typeof ImportFields>;

const LocalTextView = z.object({ "pt-BR": z.string(), en: z.string().optional(), es: z.string().optional() });

/** A questionnaire in the list. */
export const QuestionnaireView = z.object({
  id: z.number(),
  code: z.string(),
  title: LocalTextView,
  subject: z.object({ kind: z.enum(["service", "group"]), code: z.string(), name: LocalTextView }),
  published: z.object({ id: z.number(), version: z.number(), publishedAt: z.string() }).nullable(),
  draft: z.object({ id: z.number(), version: z.number() }).nullable(),
  archived: z.boolean(),
});

/** A version as listed under its questionnaire. */
export const VersionSummaryView = z.object({
  id: z.number(),
  version: z.number(),
  state: z.enum(["draft", "published", "retired"]),
  source: z.enum(["editor", "xlsform"]),
  createdAt: z.string(),
  publishedAt: z.string().nullable(),
  retiredAt: z.string().nullable(),
});

/** One version with its questions. */
export const VersionView = VersionSummaryView.omit({ createdAt: true }).extend({
  definition: z.object({ questions: z.array(z.record(z.string(), z.unknown())) }),
});

/** A questionnaire with its versions, newest first. */
export const QuestionnaireDetailView = QuestionnaireView.extend({ versions: z.array(VersionSummaryView) });

/** What an XLSForm import made: the questionnaire, the draft version and what was skipped or simplified. */
export const ImportView = z.object({
  questionnaire: QuestionnaireDetailView,
  version: VersionView,
  warnings: z.array(
    z.object({
      row: z.number().optional(),
      sheet: z.string().optional(),
      code: z.string(),
      text: z.string(),
    }),
  ),
});
