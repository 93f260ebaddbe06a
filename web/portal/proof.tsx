/**
 * "Is this demand yours?": on a demand's public view, the citizen proves it is theirs with the access code of their
 * receipt (the secret given when it was filed) or by signing in with a code sent to their e-mail (decision 0018),
 * and the page becomes their full view with rating, reopening and photos (decision 0030). The links of the
 * messages sent to them carry the proof already.
 */
import { useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { describedBy, Field, ProblemAlert } from "../ui/components.tsx";
import { rememberDemand } from "./draft.ts";
import type { Env } from "./env.ts";
import type { DemandView } from "./follow.tsx";
import { SignInForm } from "./mine.tsx";

/** The two ways to prove a demand is one's own; `onProved` gets the full view (and the code, when one was typed). */
export function ProofSection(props: {
  env: Env;
  protocol: string;
  onProved: (view: DemandView | null, secret: string | undefined) => void;
}) {
  const { t, locale } = props.env;
  const [code, setCode] = useState("");
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const hint = t("portal.proof.code_hint");
  return (
    <section aria-labelledby="proof-title" class="proof">
      <h2 id="proof-title">{t("portal.proof.title")}</h2>
      <p>{t("portal.proof.intro")}</p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const typed = code.trim();
          setBusy(true);
          setProblem(null);
          try {
            const view = await api<DemandView>(
              `/api/v1/demands/${props.protocol}?lang=${locale}`,
              { headers: { "x-demand-secret": typed } },
              locale,
            );
            await rememberDemand({ protocol: props.protocol, secret: typed });
            props.onProved(view, typed);
          } catch (error) {
            setProblem(error instanceof ApiProblem ? error : new ApiProblem(0, "offline", "", ""));
            requestAnimationFrame(() => document.getElementById("access-code")?.focus());
          } finally {
            setBusy(false);
          }
        }}
      >
        <Field id="access-code" label={t("portal.proof.code")} hint={hint}>
          <input
            id="access-code"
            type="text"
            autocomplete="off"
            autocapitalize="none"
            spellcheck={false}
            required
            maxLength={100}
            aria-describedby={describedBy("access-code", hint)}
            aria-invalid={problem ? true : undefined}
            value={code}
            onInput={(e) => setCode((e.target as HTMLInputElement).value)}
          />
        </Field>
        <ProblemAlert problem={problem} t={t} />
        <button type="submit" disabled={busy || code.trim() === ""}>
          {t("portal.proof.submit")}
        </button>
      </form>
      <details>
        <summary>{t("portal.proof.sign_in")}</summary>
        <p>{t("portal.proof.sign_in_intro")}</p>
        <SignInForm env={props.env} onSignedIn={() => props.onProved(null, undefined)} />
      </details>
    </section>
  );
}
