/**
 * Who is asking: identified, confidential (Lei 13.460/2017 art. 10 §7: the identity is kept from the department and
 * only the ombudsman team and the 156 see it) or anonymous where the service allows it, each explained in one
 * sentence; then the person's name and contacts unless anonymous. Confidentiality is offered for every service, as
 * the agent console does; anonymity only where the service's `anonymousAllowed` says so.
 */
import { describedBy, Field } from "../ui/components.tsx";
import type { Draft } from "./draft.ts";
import type { Env } from "./env.ts";
import type { FieldErrors } from "./file-checks.ts";

type Identity = Draft["identity"];

/** The "Who is asking?" fieldset of the filing form. */
export function IdentityFields(props: {
  env: Env;
  draft: Draft;
  anonymousAllowed: boolean;
  errors: FieldErrors;
  onChange: (patch: Partial<Draft>) => void;
}) {
  const { t } = props.env;
  const { draft, errors, onChange } = props;
  const choices: Identity[] = props.anonymousAllowed
    ? ["identified", "confidential", "anonymous"]
    : ["identified", "confidential"];
  const input = (
    id: "name" | "email" | "phone",
    type: "text" | "email" | "tel",
    autocomplete: string,
    hint?: string,
  ) => (
    <Field id={id} label={t(`portal.file.${id}`)} hint={hint} error={errors[id]}>
      <input
        id={id}
        // One of text, email, tel: Preact's input types are a union by `type` that a variable cannot pick.
        type={type as "text"}
        autocomplete={autocomplete}
        aria-invalid={id in errors}
        aria-describedby={describedBy(id, hint, errors[id])}
        value={draft[id]}
        onInput={(e) => onChange({ [id]: (e.target as HTMLInputElement).value })}
      />
    </Field>
  );
  return (
    <fieldset>
      <legend>{t("portal.file.who")}</legend>
      <div role="radiogroup" aria-label={t("portal.file.identity")}>
        {choices.map((choice) => (
          <div class="identity-choice" key={choice}>
            <label class="choice">
              <input
                id={`identity-${choice}`}
                type="radio"
                name="identity"
                aria-describedby={`identity-${choice}-hint`}
                checked={draft.identity === choice}
                onChange={() => onChange({ identity: choice })}
              />
              {t(`portal.file.${choice}`)}
            </label>
            <p class="hint" id={`identity-${choice}-hint`}>
              {t(`portal.file.${choice}_hint`)}
            </p>
          </div>
        ))}
      </div>
      {props.anonymousAllowed ? null : <p class="hint">{t("portal.file.no_anonymous")}</p>}
      {draft.identity !== "anonymous" ? (
        <>
          {input("name", "text", "name")}
          {input("email", "email", "email", t("portal.file.email_hint"))}
          {input("phone", "tel", "tel")}
          <Field
            id="reply"
            label={t("portal.file.reply")}
            hint={t("portal.file.reply_hint")}
            error={errors.reply}
          >
            <select
              id="reply"
              aria-invalid={"reply" in errors}
              aria-describedby={describedBy("reply", t("portal.file.reply_hint"), errors.reply)}
              value={draft.reply ?? ""}
              onChange={(e) => onChange({ reply: (e.target as HTMLSelectElement).value as Draft["reply"] })}
            >
              {(["", "email", "sms", "whatsapp"] as const).map((c) => (
                <option key={c} value={c}>
                  {t(`portal.file.reply_${c || "any"}`)}
                </option>
              ))}
            </select>
          </Field>
          <label class="choice">
            <input
              type="checkbox"
              checked={draft.consent}
              onChange={(e) => onChange({ consent: (e.target as HTMLInputElement).checked })}
            />
            {t("portal.file.consent")}
          </label>
        </>
      ) : null}
    </fieldset>
  );
}
