/** Input and output schemas of the classification concept; they also feed the OpenAPI document. */
import { z } from "zod";
import { CHANNELS } from "../demands/schemas.ts";

/** The channels a demand arrives on (as the demands table lists them). */
export const DemandChannel = z.enum(CHANNELS);
export type DemandChannel = z.infer<typeof DemandChannel>;

/** The longest message the suggester reads: a long e-mail, not a document. */
export const MAX_TEXT_LENGTH = 2000;

const AreaCode = z.string().trim().min(1).max(10);

/** The query of GET /api/v1/services/suggest. */
export const SuggestQuery = z.object({
  /** The citizen's free text, in the reader's language or Portuguese, in any spelling. */
  q: z.string().trim().min(1).max(MAX_TEXT_LENGTH),
  /** How many services to return (1–20, default 5). */
  limit: z.coerce.number().int().min(1).max(20).default(5),
  /** The channel the text came on; the managers' rules for that channel then apply. */
  channel: DemandChannel.optional(),
  /** The district code of the place, when known; the managers' rules for that area then apply. */
  district: AreaCode.optional(),
  /** The reader's language: pt-BR (default), en or es; Accept-Language also works. */
  lang: z.string().optional(),
});
export type SuggestQuery = z.infer<typeof SuggestQuery>;

/** Why a service was proposed: the text suggester, or a manager's rule. */
export const ReasonView = z.object({
  kind: z.enum(["text", "rule"]),
  /** The rule's id, for a rule. */
  ruleId: z.number().int().optional(),
  /** The words of the message that matched (stems for the text suggester, the phrase for a rule). */
  matched: z.array(z.string()),
});
export type ReasonView = z.infer<typeof ReasonView>;

/** One suggested service. */
export const SuggestionView = z.object({
  /** The catalogue's public service code. */
  code: z.string(),
  /** The service's name in the reader's language, or in pt-BR when it has none in it. */
  name: z.string(),
  /** The language `name` is in: the reader's, or "pt-BR" when it fell back (screens then say so). */
  nameLanguage: z.enum(["pt-BR", "en", "es"]),
  /** The service's former name, when the text named it (screens show "formerly …"). */
  formerly: z.string().optional(),
  /** 0–1, higher is likelier; comparable within one answer only. */
  score: z.number(),
  reasons: z.array(ReasonView),
});
export type SuggestionView = z.infer<typeof SuggestionView>;

/** What a rule does when it matches. */
export const RuleEffect = z.enum(["boost", "override"]);

const Phrase = z.string().trim().min(2).max(120);

/** The body of POST /api/v1/classification-rules. */
export const ClassificationRuleInput = z.object({
  /** Public code of the service the rule proposes. */
  service: z.string().trim().min(1).max(40),
  /** Keywords or phrases; the rule matches when the text holds one of them as whole words (no case, no accents). */
  phrases: z.array(Phrase).min(1).max(50),
  /** Channels the rule applies to; empty or absent: every channel. */
  channels: z.array(DemandChannel).max(12).default([]),
  /** District or subprefeitura codes the rule applies to; empty or absent: the whole city. */
  areas: z.array(AreaCode).max(200).default([]),
  /** "override" puts the service first; "boost" adds the weight to its score. */
  effect: RuleEffect.default("boost"),
  /** Added to the score when boosting (the text scores 0–1); orders overrides, heavier first. */
  weight: z.number().positive().max(10).default(0.5),
  /** false keeps the rule but stops it applying. */
  active: z.boolean().default(true),
  /** Why the rule exists. */
  note: z.string().trim().max(500).nullable().default(null),
});
export type ClassificationRuleInput = z.infer<typeof ClassificationRuleInput>;

/** The body of PATCH /api/v1/classification-rules/:id: only the fields given change. */
export const ClassificationRulePatch = z.object({
  service: z.string().trim().min(1).max(40).optional(),
  phrases: z.array(Phrase).min(1).max(50).optional(),
  channels: z.array(DemandChannel).max(12).optional(),
  areas: z.array(AreaCode).max(200).optional(),
  effect: RuleEffect.optional(),
  weight: z.number().positive().max(10).optional(),
  active: z.boolean().optional(),
  note: z.string().trim().max(500).nullable().optional(),
});
export type ClassificationRulePatch = z.infer<typeof ClassificationRulePatch>;

/** The path of the routes about one rule. */
export const ClassificationRuleParams = z.object({
  /** The rule's id. */
  id: z.coerce.number().int().positive(),
});

/** The query of GET /api/v1/classification-rules. */
export const ClassificationRuleListQuery = z.object({
  /** Only the rules of this service code. */
  service: z.string().trim().min(1).max(40).optional(),
});

/** A rule as the API shows it. */
export const ClassificationRuleView = z.object({
  id: z.number().int(),
  service: z.string(),
  serviceName: z.string(),
  phrases: z.array(z.string()),
  channels: z.array(DemandChannel),
  areas: z.array(z.string()),
  effect: RuleEffect,
  weight: z.number(),
  active: z.boolean(),
  note: z.string().nullable(),
  updatedAt: z.string(),
  /** Id of the staff member who created or last changed it. */
  updatedBy: z.number().int().nullable(),
});
export type ClassificationRuleView = z.infer<typeof ClassificationRuleView>;
