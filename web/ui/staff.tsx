/**
 * What the three staff apps (agent console, department back-office, administration) share: the session and its
 * permissions, the sign-in form, the frame with the app switcher, and JSON calls that change things. The keyboard
 * shortcuts are shortcuts.tsx's; the live event stream that keeps every screen current is live.tsx's.
 */
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiProblem, api } from "./api.ts";
import { inBase } from "./base.ts";
import type { Boot } from "./boot.ts";
import { LanguageSwitch, ProblemAlert } from "./components.tsx";
import { type Translate, withLang } from "./i18n.ts";
import "./staff.css";
import { onLinkClick } from "./router.ts";

/** The signed-in staff member, as GET /api/v1/auth/me answers. */
export interface Me {
  id: number;
  email: string;
  name: string;
  role: string;
  departmentCode: string | null;
  permissions: string[];
}

/** What every staff screen is handed. */
export interface StaffEnv {
  boot: Boot;
  locale: string;
  t: Translate;
  me: Me;
  /** Whether the role holds an action of the permission table (server/http/auth.ts). */
  can: (action: string) => boolean;
}

/** The staff apps, where each lives, and the actions that make it worth showing to a role. */
export const STAFF_APPS = [
  { app: "console", base: "/console", needs: ["triage.work", "calls.intake", "dead_letters.read"] },
  { app: "backoffice", base: "/departamento", needs: ["work_orders.act", "alarms.read"] },
  {
    app: "admin",
    base: "/admin",
    needs: [
      "catalogue.manage",
      "matrix.manage",
      "classification.manage",
      "departments.manage",
      "staff.manage",
      "calendar.manage",
      "webhooks.manage",
      "api_clients.manage",
      "alarm_rules.manage",
      "message_templates.manage",
      "branding.manage",
      "sign_in.manage",
      "platform.tenants.manage",
    ],
  },
  { app: "centre", base: "/centro", needs: ["indicators.read"] },
] as const;
export type StaffAppName = (typeof STAFF_APPS)[number]["app"];

/** Sends JSON (POST by default) in the page's language through `api`: the parsed answer, or undefined for 204. */
export function send<T = unknown>(path: string, body: unknown, lang: string, method = "POST"): Promise<T> {
  return api<T>(
    path,
    body === undefined
      ? { method }
      : { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
    lang,
  );
}

type SessionState = { state: "loading" } | { state: "signed-out" } | { state: "signed-in"; me: Me };

/** The session: loads GET /api/v1/auth/me; a 401 means the sign-in form. */
export function useSession(lang: string): [SessionState, (me: Me | null) => void] {
  const [session, setSession] = useState<SessionState>({ state: "loading" });
  useEffect(() => {
    api<Me>("/api/v1/auth/me", {}, lang)
      .then((me) => setSession({ state: "signed-in", me }))
      .catch(() => setSession({ state: "signed-out" }));
  }, [lang]);
  const set = useCallback(
    (me: Me | null) => setSession(me ? { state: "signed-in", me } : { state: "signed-out" }),
    [],
  );
  return [session, set];
}

/** The reasons the server names in `sign_in_error` when the city's provider sends someone back unsigned. */
const PROVIDER_FAILURES = new Set([
  "state_invalid",
  "access_denied",
  "provider_error",
  "token_failed",
  "unavailable",
  "unknown_staff",
]);

/**
 * The sign-in form (the session cookie is set by the server; the token in the answer is not kept), and the link to
 * the city's own OpenID provider when one is configured (decision 0057), with the reason it last came back unsigned.
 */
export function SignIn(props: {
  t: Translate;
  lang: string;
  onSignedIn: (me: Me) => void;
  app?: StaffAppName;
  cityProvider?: boolean;
}) {
  const { t } = props;
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  // Read once, then taken out of the address bar: a reload does not repeat it.
  const [failure] = useState(() => new URLSearchParams(location.search).get("sign_in_error"));
  useEffect(() => {
    if (!failure) return;
    const url = new URL(location.href);
    url.searchParams.delete("sign_in_error");
    history.replaceState(history.state, "", `${url.pathname}${url.search}${url.hash}`);
  }, [failure]);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setProblem(null);
    try {
      await send(
        "/api/v1/auth/login",
        { email: form.get("email"), password: form.get("password") },
        props.lang,
      );
      props.onSignedIn(await api<Me>("/api/v1/auth/me", {}, props.lang));
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", ""));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title" tabIndex={-1}>
        {t("staff.sign_in.title")}
      </h1>
      {failure ? (
        <div class="problem" role="alert">
          <p>
            <strong>{t("staff.sign_in.provider_failed")}</strong>
          </p>
          <p>{t(`staff.sign_in.errors.${PROVIDER_FAILURES.has(failure) ? failure : "token_failed"}`)}</p>
        </div>
      ) : null}
      {props.cityProvider ? (
        <>
          <p>
            <a
              class="button"
              href={inBase(
                `/api/v1/auth/oidc/start?app=${props.app ?? "console"}&lang=${encodeURIComponent(props.lang)}`,
              )}
            >
              {t("staff.sign_in.provider")}
            </a>
          </p>
          <h2>{t("staff.sign_in.or_password")}</h2>
        </>
      ) : null}
      <ProblemAlert problem={problem} t={t} />
      <form onSubmit={submit}>
        <div class="field">
          <label for="email">{t("staff.sign_in.email")}</label>
          <input id="email" name="email" type="email" autocomplete="username" required />
        </div>
        <div class="field">
          <label for="password">{t("staff.sign_in.password")}</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
        </div>
        <button type="submit" disabled={busy}>
          {t("staff.sign_in.submit")}
        </button>
      </form>
    </section>
  );
}

/** A section of a staff app's menu. */
export interface Section {
  href: string;
  label: string;
}

/** The frame of a staff screen: skip links, the app's name, the apps this role may use, the user, the menu. */
export function StaffFrame(props: {
  env: Omit<StaffEnv, "me" | "can"> & { me: Me | null };
  app: StaffAppName;
  path: string;
  sections: Section[];
  onSignOut?: () => void;
  children: ComponentChildren;
}) {
  const { t, locale, boot, me } = props.env;
  const apps = me ? STAFF_APPS.filter((a) => a.needs.some((n) => me.permissions.includes(n))) : [];
  const base = STAFF_APPS.find((a) => a.app === props.app)!.base;
  const [signOutProblem, setSignOutProblem] = useState<ApiProblem | null>(null);
  // On a shared counter computer the session must really end: if the server did not take the sign-out, say so and
  // stay signed in, rather than show a sign-in form over a session that still works.
  const signOut = async () => {
    try {
      await send("/api/v1/auth/logout", undefined, locale);
      setSignOutProblem(null);
      props.onSignOut?.();
    } catch (e) {
      setSignOutProblem(e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", ""));
    }
  };
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: one delegated handler for in-app links, which stay links.
    // biome-ignore lint/a11y/useKeyWithClickEvents: links already answer Enter; this only avoids a reload.
    <div class="frame staff" onClick={onLinkClick}>
      <ul class="skip-links" aria-label={t("ui.skip_links")}>
        <li>
          {/* biome-ignore lint/a11y/noAccessKey: e-MAG's convention: 1 content, 2 menu. */}
          <a href="#main" accessKey="1">
            {t("ui.skip_to_content")} [1]
          </a>
        </li>
        <li>
          {/* biome-ignore lint/a11y/noAccessKey: e-MAG's convention: 1 content, 2 menu. */}
          <a href="#menu" accessKey="2">
            {t("ui.skip_to_menu")} [2]
          </a>
        </li>
      </ul>
      <header class="site-header">
        <a class="brand" href={withLang(base, locale)} data-nav>
          {boot.brand?.logoUrl ? (
            <img class="brand-logo" src={boot.brand.logoUrl} alt="" height={32} />
          ) : null}
          {t(`${props.app}.site_name`)}
          {boot.brand?.name ? <span class="brand-city"> · {boot.brand.name}</span> : null}
        </a>
        <LanguageSwitch t={t} locale={locale} locales={boot.locales} path={props.path} />
        {me ? (
          <div class="who">
            <span>
              {me.name} · {t(`staff.roles.${me.role}`)}
              {me.departmentCode ? ` · ${me.departmentCode}` : ""}
            </span>{" "}
            <button type="button" class="link-button" onClick={signOut}>
              {t("staff.sign_out")}
            </button>
          </div>
        ) : null}
        <nav id="menu" aria-label={t("ui.menu")} tabIndex={-1}>
          <ul>
            {props.sections.map((m) => (
              <li key={m.href}>
                <a
                  class="menu-link"
                  href={withLang(m.href, locale)}
                  data-nav
                  aria-current={props.path.split("?")[0] === m.href ? "page" : undefined}
                >
                  {m.label}
                </a>
              </li>
            ))}
            {apps
              .filter((a) => a.app !== props.app)
              .map((a) => (
                <li key={a.app}>
                  <a class="menu-link other-app" href={withLang(a.base, locale)}>
                    {t(`${a.app}.site_name`)}
                  </a>
                </li>
              ))}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <ProblemAlert problem={signOutProblem} t={t} />
        {props.children}
      </main>
      <footer id="footer" tabIndex={-1}>
        <p>{t("ui.footer")}</p>
        <p>
          <a href={inBase("/codigo-fonte")}>{t("ui.source_code")}</a>
        </p>
      </footer>
    </div>
  );
}

/**
 * The root of a staff app: asks for the session, shows the sign-in form when there is none, and a clear refusal
 * when the role may not use this app; otherwise renders the app's screen for the signed-in member.
 */
export function StaffRoot(props: {
  boot: Boot;
  t: Translate;
  app: StaffAppName;
  path: string;
  sections: (env: StaffEnv) => Section[];
  screen: (env: StaffEnv) => ComponentChildren;
}) {
  const { boot, t } = props;
  const locale = boot.locale;
  const [session, setSession] = useSession(locale);
  const base = { boot, locale, t };
  if (session.state !== "signed-in") {
    return (
      <StaffFrame env={{ ...base, me: null }} app={props.app} path={props.path} sections={[]}>
        {session.state === "loading" ? (
          <p role="status">{t("ui.loading")}</p>
        ) : (
          <SignIn
            t={t}
            lang={locale}
            app={props.app}
            cityProvider={boot.signIn?.city === true}
            onSignedIn={(me) => setSession(me)}
          />
        )}
      </StaffFrame>
    );
  }
  const me = session.me;
  const env: StaffEnv = { ...base, me, can: (action) => me.permissions.includes(action) };
  const allowed = STAFF_APPS.find((a) => a.app === props.app)!.needs.some((n) => env.can(n));
  return (
    <StaffFrame
      env={env}
      app={props.app}
      path={props.path}
      sections={allowed ? props.sections(env) : []}
      onSignOut={() => setSession(null)}
    >
      {allowed ? (
        props.screen(env)
      ) : (
        <section class="card">
          <h1 tabIndex={-1}>{t("staff.not_allowed.title")}</h1>
          <p>{t("staff.not_allowed.detail")}</p>
        </section>
      )}
    </StaffFrame>
  );
}
