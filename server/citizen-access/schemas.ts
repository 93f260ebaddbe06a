/** Schemas of the citizen sign-in: asking for a code, trying it, and the demands a signed-in citizen sees. */
import { z } from "zod";
import { normalisePhone } from "../citizens/contacts.ts";

/** A phone number as typed ("+55 11 98765-4321", "(11) 98765-4321"), answered as E.164 digits (Brazil unless +). */
const Phone = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    const phone = normalisePhone(value);
    if (!phone) {
      ctx.addIssue({ code: "custom", message: "not a phone number" });
      return z.NEVER;
    }
    return phone;
  });

/** An e-mail address the citizen gave when filing. */
const ByEmail = z.object({ email: z.email().max(254) });

/** A phone number the citizen gave when filing, and how the code goes to it. */
const ByPhone = z.object({
  /** Brazilian (+55) unless written with "+" and a country code. */
  phone: Phone,
  /** SMS or WhatsApp. */
  channel: z.enum(["sms", "whatsapp"]),
});

/** The six digits received. */
const Code = z
  .string()
  .trim()
  .regex(/^\d{6}$/);

/** Ask for a sign-in code at an e-mail address, or at a phone number by SMS or WhatsApp. */
export const CodeRequestInput = z.union([ByEmail, ByPhone]);
export type CodeRequestInput = z.infer<typeof CodeRequestInput>;

/** Try a code, with the address it was asked for. */
export const CodeVerifyInput = z.union([ByEmail.extend({ code: Code }), ByPhone.extend({ code: Code })]);
export type CodeVerifyInput = z.infer<typeof CodeVerifyInput>;

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
  /** The e-mail address the citizen proved ("" when none). */
  email: z.string(),
  /** The phone number the citizen proved by an SMS or WhatsApp code, as E.164 digits without "+"; null when none. */
  phone: z.string().nullable(),
  /** How the session was opened: a code, or gov.br. */
  signedInWith: z.enum(["code", "govbr"]),
  /** The gov.br account's confidence level (bronze, silver, gold); null for a code or when gov.br did not say. */
  confidence: z.enum(["bronze", "silver", "gold"]).nullable(),
  /**
   * Demands filed earlier with the CPF gov.br vouched for, not yet in the list: shown only after the citizen confirms
   * (POST /api/v1/citizen/govbr/cpf-link); `allowed` is false below the silver level. Null when there are none or
   * the session was not opened by gov.br.
   */
  cpfLink: z.object({ demands: z.number().int().min(1), allowed: z.boolean() }).nullable(),
  demands: z.array(MyDemandView),
});

/** The answer to signing out. */
export const SignOutView = z.object({
  signedOut: z.literal(true),
  /**
   * Where the browser goes next: gov.br's logout (`{issuer}/logout?post_logout_redirect_uri=…`) when gov.br opened
   * the session, so its session ends too (decision 0057); null when a code opened it (or gov.br is not configured).
   */
  redirectTo: z.string().url().nullable(),
});
export type SignOutView = z.infer<typeof SignOutView>;

/** The answer to confirming the CPF's earlier demands. */
export const CpfLinkView = z.object({
  /** How many demands joined "my requests". */
  linked: z.number().int().min(0),
});
