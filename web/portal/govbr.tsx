/**
 * gov.br on "my requests" (decision 0057): the "Entrar com gov.br" button (gov.br's own wording, a link: the sign-in
 * is a page of gov.br), the reason a sign-in came back without a session, the session's gov.br level, and the offer to
 * confirm the demands filed earlier with the citizen's CPF.
 */
import { useEffect, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { inBase } from "../ui/base.ts";
import { ProblemAlert } from "../ui/components.tsx";
import type { Env } from "./env.ts";

/** The reasons the server names in `sign_in_error` when it sends the citizen back (server/access/oidc.ts). */
const FAILURES = new Set(["state_invalid", "access_denied", "provider_error", "token_failed", "unavailable"]);

/** The "Entrar com gov.br" link, to the server's start of the flow in the page's language. */
export function GovbrButton(props: { env: Env }) {
  const { t, locale } = props.env;
  return (
    <p>
      <a class="button govbr" href={inBase(`/api/v1/citizen/govbr/start?lang=${encodeURIComponent(locale)}`)}>
        {t("portal.govbr.sign_in")}
      </a>
    </p>
  );
}

/**
 * Why the last gov.br sign-in came back without a session, read once from `sign_in_error` and then taken out of the
 * address bar (a reload or a shared link does not repeat it).
 */
export function GovbrFailure(props: { env: Env }) {
  const { t } = props.env;
  const [failure] = useState(() => new URLSearchParams(location.search).get("sign_in_error"));
  useEffect(() => {
    if (!failure) return;
    const url = new URL(location.href);
    url.searchParams.delete("sign_in_error");
    history.replaceState(history.state, "", `${url.pathname}${url.search}${url.hash}`);
  }, [failure]);
  if (!failure) return null;
  return (
    <div class="problem" role="alert">
      <p>
        <strong>{t("portal.govbr.failed_title")}</strong>
      </p>
      <p>{t(`portal.govbr.errors.${FAILURES.has(failure) ? failure : "token_failed"}`)}</p>
    </div>
  );
}

/** The level of the session's gov.br account, said after "signed in"; nothing when gov.br did not say. */
export function GovbrLevel(props: { env: Env; confidence: "bronze" | "silver" | "gold" | null }) {
  const { t } = props.env;
  return (
    <p>
      {props.confidence
        ? t("portal.govbr.signed_in_level", { level: t(`portal.govbr.levels.${props.confidence}`) })
        : t("portal.govbr.signed_in")}
    </p>
  );
}

/**
 * "N requests registered with your CPF" and the confirmation that links them; below silver, how to raise the
 * account's level instead of the button.
 */
export function CpfLinkOffer(props: {
  env: Env;
  offer: { demands: number; allowed: boolean };
  onLinked: (linked: number) => Promise<void> | void;
}) {
  const { t, locale } = props.env;
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const confirm = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const { linked } = await api<{ linked: number }>(
        "/api/v1/citizen/govbr/cpf-link",
        { method: "POST" },
        locale,
      );
      await props.onLinked(linked);
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", ""));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="notice" aria-labelledby="cpf-link-title">
      <h2 id="cpf-link-title">{t("portal.govbr.cpf_found", { count: props.offer.demands })}</h2>
      <p>{t("portal.govbr.cpf_explain")}</p>
      <ProblemAlert problem={problem} t={t} />
      {props.offer.allowed ? (
        <button type="button" disabled={busy} onClick={() => void confirm()}>
          {t("portal.govbr.cpf_confirm", { count: props.offer.demands })}
        </button>
      ) : (
        <p>{t("portal.govbr.cpf_low_level")}</p>
      )}
    </section>
  );
}
