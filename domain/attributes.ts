/**
 * A service's extra fields, Open311 GeoReport v2 style (datatype, required, order, values), and the check of a
 * citizen's answers against them. Pure: used by the server at intake and by the screens before sending.
 */
import { z } from "zod";

/** Text per locale; pt-BR always present. */
export const LocalizedText = z.object({
  "pt-BR": z.string().min(1),
  en: z.string().optional(),
  es: z.string().optional(),
});
export type LocalizedText = z.infer<typeof LocalizedText>;

/** One extra field of a service. */
export const ServiceAttribute = z.object({
  /** Stable code, the key of the answer (Open311 `attribute[CODE]`). */
  code: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/),
  /** Open311 datatypes. */
  datatype: z.enum(["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]),
  required: z.boolean(),
  /** Display order, ascending. */
  order: z.number().int(),
  /** The question put to the citizen. */
  description: LocalizedText,
  /** Choices of a list datatype. */
  values: z.array(z.object({ key: z.string().min(1), name: LocalizedText })).default([]),
});
export type ServiceAttribute = z.infer<typeof ServiceAttribute>;

/** One problem with one answer. */
export interface AnswerProblem {
  code: string;
  problem: "required" | "invalid_type" | "invalid_choice" | "unknown_attribute";
}

/** Checks answers against a service's attributes; returns the clean answers and every problem found. */
export function checkAnswers(
  attributes: readonly ServiceAttribute[],
  answers: Record<string, unknown>,
): { answers: Record<string, string | number | string[]>; problems: AnswerProblem[] } {
  const clean: Record<string, string | number | string[]> = {};
  const problems: AnswerProblem[] = [];
  const known = new Set(attributes.map((a) => a.code));
  for (const code of Object.keys(answers)) {
    if (!known.has(code)) problems.push({ code, problem: "unknown_attribute" });
  }
  for (const attribute of attributes) {
    const value = answers[attribute.code];
    const empty =
      value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0);
    if (empty) {
      if (attribute.required) problems.push({ code: attribute.code, problem: "required" });
      continue;
    }
    const keys = new Set(attribute.values.map((v) => v.key));
    switch (attribute.datatype) {
      case "string":
      case "text":
        if (typeof value !== "string") problems.push({ code: attribute.code, problem: "invalid_type" });
        else clean[attribute.code] = value.trim();
        break;
      case "number": {
        const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
        if (!Number.isFinite(n)) problems.push({ code: attribute.code, problem: "invalid_type" });
        else clean[attribute.code] = n;
        break;
      }
      case "datetime":
        if (typeof value !== "string" || Number.isNaN(Date.parse(value))) {
          problems.push({ code: attribute.code, problem: "invalid_type" });
        } else clean[attribute.code] = new Date(value).toISOString();
        break;
      case "singlevaluelist":
        if (typeof value !== "string") problems.push({ code: attribute.code, problem: "invalid_type" });
        else if (!keys.has(value)) problems.push({ code: attribute.code, problem: "invalid_choice" });
        else clean[attribute.code] = value;
        break;
      case "multivaluelist": {
        const list = Array.isArray(value) ? value : [value];
        if (!list.every((v) => typeof v === "string"))
          problems.push({ code: attribute.code, problem: "invalid_type" });
        else if (!list.every((v) => keys.has(v)))
          problems.push({ code: attribute.code, problem: "invalid_choice" });
        else clean[attribute.code] = list as string[];
        break;
      }
    }
  }
  return { answers: clean, problems };
}
