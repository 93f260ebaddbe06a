/** Schemas of the citizen sign-in: asking for a code, trying it, and the demands a signed-in citizen sees. */
import { z } from "zod";

/** Ask for a sign-in code at an e-mail address. */
export const CodeRequestInput = z.object({
  email: z.email().max(254),
});

/** Try a code. */
export const CodeVerifyInput = z.object({
  email: z.email().max(254),
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/),
});

/** The `send-sign-in-code` outbox payload (the code expires in minutes; the row is purged with done work). */
export const SendCodePayload = z.object({
  codeId: z.number().int().positive(),
  code: z.string().regex(/^\d{6}$/),
  locale: z.enum(["pt-BR", "en", "es"]),
});

/** One of the citizen's own demands, as their list shows it. */
export const MyDemandView = z.object({
  protocol: z.string(),
  status: z.string(),
  service: z.object({ code: z.string(), name: z.string() }),
  openedAt: z.string(),
  dueAt: z.string().nullable(),
  district: z.string().nullable(),
  /** "own" when the citizen filed it; "following" when their demand was merged into it. */
  relation: z.enum(["own", "following"]),
});

export const MyDemandsView = z.object({
  email: z.string(),
  demands: z.array(MyDemandView),
});
