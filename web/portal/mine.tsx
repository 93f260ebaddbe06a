/**
 * "My requests": optional sign-in with a code sent to the e-mail or mobile number the citizen gave when filing (no
 * password), then the list of their demands and those they follow, each linking to its full view.
 */
import { useEffect, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { describedBy, Field, ProblemAlert } from "../ui/components.tsx";
import { formatWhen, withLang } from "../ui/i18n.ts";
import type { Env } from "./env.ts";
import { CpfLinkOffer, GovbrButton, GovbrFailure, GovbrLevel } from "./govbr.tsx";

interface MyDemand {
  protocol: string;
  status: string;
  service: { code: string; name: string };
  openedAt: string;
  dueAt: string | null;
  district: string | null;
  relation: "own" | "following";
}
interface MyDemands {
  email: string;
  /** The mobile number proven by SMS or WhatsApp, E.164 digits; null when none. */
  phone: string | null;
  /** How the session was opened, and the gov.br account's level (decision 0057). */
  signedInWith: "code" | "govbr";
  confidence: "bronze" | "silver" | "gold" | null;
  /** Demands filed earlier with the gov.br CPF, shown once the citizen confirms them; null when none. */
  cpfLink: { demands: number; allowed: boolean } | null;
  demands: MyDemand[];
}

async function post(path: string, body: unknown, locale: string): Promise<void> {
  await api(
    path,
    { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
    locale,
  );
}

export function MineScreen(props: { env: Env }) {
  const { t, locale } = props.env;
  const [mine, setMine] = useState<MyDemands | null | undefined>(undefined);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const [withdrawn, setWithdrawn] = useState(false);
  const [linked, setLinked] = useState<number | null>(null);
  const govbr = props.env.boot.signIn?.govbr === true;

  const load = async () => {
    try {
      setMine(await api<MyDemands>("/api/v1/citizen/demands", {}, locale));
    } catch (e) {
      setMine(null);
      if (e instanceof ApiProblem && e.status !== 401) setProblem(e);
    }
  };
  useEffect(() => {
    void load();
  }, []);

  const run = (work: () => Promise<void>) => async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await work();
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", ""));
    } finally {
      setBusy(false);
    }
  };

  if (mine === undefined) {
    return (
      <>
        <h1 tabIndex={-1}>{t("portal.mine.title")}</h1>
        <p role="status">{t("ui.loading")}</p>
      </>
    );
  }
  if (mine === null) {
    return (
      <>
        <h1 tabIndex={-1}>{t("portal.mine.title")}</h1>
        <GovbrFailure env={props.env} />
        {govbr ? (
          <>
            <p>{t("portal.govbr.intro")}</p>
            <GovbrButton env={props.env} />
            <h2>{t("portal.govbr.or_code")}</h2>
          </>
        ) : null}
        <p>{t("portal.mine.intro")}</p>
        <ProblemAlert problem={problem} t={t} />
        <SignInForm env={props.env} onSignedIn={load} />
      </>
    );
  }
  return (
    <>
      <h1 tabIndex={-1}>{t("portal.mine.title")}</h1>
      {mine.signedInWith === "govbr" ? <GovbrLevel env={props.env} confidence={mine.confidence} /> : null}
      <p>
        {mine.email || mine.phone
          ? t("portal.mine.signed_in_as", { email: mine.email || `+${mine.phone}` })
          : null}{" "}
        <button
          type="button"
          class="button secondary"
          onClick={async () => {
            // A session gov.br opened ends at gov.br too: the server answers gov.br's logout address, which sends
            // the browser back here signed out (decision 0057).
            const { redirectTo } = await api<{ redirectTo: string | null }>(
              "/api/v1/citizen/sign-out",
              { method: "POST" },
              locale,
            );
            if (redirectTo) location.assign(redirectTo);
            else setMine(null);
          }}
        >
          {t("portal.mine.sign_out")}
        </button>
      </p>
      <ProblemAlert problem={problem} t={t} />
      {linked !== null ? (
        <p class="notice" role="status">
          {t("portal.govbr.cpf_linked", { count: linked })}
        </p>
      ) : null}
      {mine.cpfLink ? (
        <CpfLinkOffer
          env={props.env}
          offer={mine.cpfLink}
          onLinked={async (n) => {
            setLinked(n);
            await load();
          }}
        />
      ) : null}
      {mine.demands.length === 0 ? (
        <p>{t(noneKey(mine))}</p>
      ) : (
        <ul class="my-demands">
          {mine.demands.map((d) => (
            <li key={d.protocol} class="answer">
              <p>
                <a href={withLang(`/demanda/${d.protocol}`, locale)} data-nav>
                  {t("portal.mine.protocol")} <span class="protocol">{d.protocol}</span>
                </a>
              </p>
              <p>
                {d.service.name} — <strong>{t(`status.${d.status}`)}</strong>
              </p>
              <p>
                <time dateTime={d.openedAt}>{formatWhen(d.openedAt, locale)}</time>
                {d.district ? ` · ${d.district}` : ""}
                {d.relation === "following" ? ` · ${t("portal.mine.following")}` : ""}
              </p>
            </li>
          ))}
        </ul>
      )}
      <section aria-labelledby="consent-title">
        <h2 id="consent-title">{t("portal.mine.consent_title")}</h2>
        <p>{t("portal.mine.consent_explain")}</p>
        {withdrawn ? (
          <p role="status">{t("portal.mine.consent_withdrawn")}</p>
        ) : (
          <button
            type="button"
            class="button secondary"
            disabled={busy}
            onClick={run(async () => {
              await post("/api/v1/citizen/consent/withdrawal", undefined, locale);
              setWithdrawn(true);
            })}
          >
            {t("portal.mine.consent_withdraw")}
          </button>
        )}
      </section>
    </>
  );
}

/** What an empty list says: no demand with this gov.br account, this e-mail, or this number. */
function noneKey(mine: MyDemands): string {
  if (mine.signedInWith === "govbr") return "portal.govbr.none";
  return mine.email || !mine.phone ? "portal.mine.none" : "portal.mine.none_phone";
}

/** Where the code goes: the e-mail address, or the mobile number by SMS or WhatsApp. */
type CodeBy = "email" | "sms" | "whatsapp";

/**
 * The sign-in by a code sent to an e-mail address or, by SMS or WhatsApp, to a mobile number (decision 0018): the
 * address, then the six digits. Used by "my requests" and by a demand's page, where it proves the demand is the
 * citizen's own (decision 0030).
 */
export function SignInForm(props: { env: Env; onSignedIn: () => Promise<void> | void }) {
  const { t, locale } = props.env;
  const [by, setBy] = useState<CodeBy>("email");
  const [email, setEmail] = useState("");
  const [phone, setPhone] = useState("");
  const [code, setCode] = useState("");
  const [codeSent, setCodeSent] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const run = (work: () => Promise<void>) => async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await work();
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", ""));
    } finally {
      setBusy(false);
    }
  };
  // A new address or channel needs a new code.
  const choose = (next: CodeBy) => {
    setBy(next);
    setCodeSent(false);
  };
  const address = by === "email" ? { email } : { phone, channel: by };
  const radio = (id: string, name: string, checked: boolean, label: string, next: CodeBy) => (
    <label class="choice">
      <input id={id} type="radio" name={name} checked={checked} onChange={() => choose(next)} />
      {label}
    </label>
  );
  return (
    <>
      <ProblemAlert problem={problem} t={t} />
      <form
        onSubmit={run(async () => {
          await post("/api/v1/citizen/sign-in", address, locale);
          setCodeSent(true);
          requestAnimationFrame(() => document.getElementById("code")?.focus());
        })}
      >
        <fieldset>
          <legend>{t("portal.mine.by")}</legend>
          {radio("sign-in-by-email", "sign-in-by", by === "email", t("portal.mine.by_email"), "email")}
          {radio("sign-in-by-phone", "sign-in-by", by !== "email", t("portal.mine.by_phone"), "sms")}
        </fieldset>
        {by === "email" ? (
          <Field id="email" label={t("portal.mine.email")}>
            <input
              id="email"
              type="email"
              autocomplete="email"
              required
              value={email}
              onInput={(e) => {
                setEmail((e.target as HTMLInputElement).value);
                setCodeSent(false);
              }}
            />
          </Field>
        ) : (
          <>
            <Field id="phone" label={t("portal.mine.phone")} hint={t("portal.mine.phone_hint")}>
              <input
                id="phone"
                type="tel"
                autocomplete="tel"
                inputMode="tel"
                required
                aria-describedby={describedBy("phone", t("portal.mine.phone_hint"))}
                value={phone}
                onInput={(e) => {
                  setPhone((e.target as HTMLInputElement).value);
                  setCodeSent(false);
                }}
              />
            </Field>
            <fieldset>
              <legend>{t("portal.mine.phone_channel")}</legend>
              {radio("sign-in-sms", "sign-in-channel", by === "sms", t("portal.mine.sms"), "sms")}
              {radio(
                "sign-in-whatsapp",
                "sign-in-channel",
                by === "whatsapp",
                t("portal.mine.whatsapp"),
                "whatsapp",
              )}
            </fieldset>
          </>
        )}
        <button type="submit" disabled={busy}>
          {t("portal.mine.send_code")}
        </button>
      </form>
      {codeSent ? (
        <>
          <p class="notice" role="status">
            {t(by === "email" ? "portal.mine.code_sent" : "portal.mine.code_sent_phone")}
          </p>
          <form
            onSubmit={run(async () => {
              await post("/api/v1/citizen/verify", { ...address, code }, locale);
              await props.onSignedIn();
            })}
          >
            <Field id="code" label={t("portal.mine.code")} hint={t("portal.mine.code_hint")}>
              <input
                id="code"
                type="text"
                inputMode="numeric"
                autocomplete="one-time-code"
                pattern="[0-9]{6}"
                maxLength={6}
                required
                aria-describedby={describedBy("code", t("portal.mine.code_hint"))}
                value={code}
                onInput={(e) => setCode((e.target as HTMLInputElement).value)}
              />
            </Field>
            <button type="submit" disabled={busy}>
              {t("portal.mine.verify")}
            </button>
          </form>
        </>
      ) : null}
    </>
  );
}
