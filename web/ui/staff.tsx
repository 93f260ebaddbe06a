/**
 * What the three staff apps (agent console, department back-office, administration) share: the session and its
 * permissions, the sign-in form, the frame with the app switcher and keyboard shortcuts, JSON calls that change
 * things, and the live event stream that keeps every screen current without polling.
 */
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { ApiProblem, api } from "./api.ts";
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
    ],
  },
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

/** The sign-in form (the session cookie is set by the server; the token in the answer is not kept). */
export function SignIn(props: { t: Translate; lang: string; onSignedIn: (me: Me) => void }) {
  const { t } = props;
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
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

/** A keyboard shortcut: its key (as KeyboardEvent.key, with "Alt+" or "Ctrl+" prefixes) and what it does. */
export interface Shortcut {
  keys: string;
  label: string;
  run: () => void;
}

function keyName(event: KeyboardEvent): string {
  const parts = [];
  if (event.ctrlKey) parts.push("Ctrl");
  if (event.altKey) parts.push("Alt");
  parts.push(event.key.length === 1 ? event.key.toUpperCase() : event.key);
  return parts.join("+");
}

/**
 * Binds shortcuts on the whole page. Plain keys (no Alt/Ctrl) are ignored while typing in a field, so they never
 * eat a letter; Alt and Ctrl combinations and function keys work everywhere.
 */
export function useShortcuts(shortcuts: Shortcut[]): void {
  const current = useRef(shortcuts);
  current.current = shortcuts;
  // Bound before the screen is painted: a key pressed as soon as the screen shows is not lost.
  useLayoutEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const name = keyName(event);
      const target = event.target as HTMLElement | null;
      const typing =
        target !== null && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
      const plain = !event.ctrlKey && !event.altKey && !/^F\d+$/.test(event.key) && event.key !== "Escape";
      if (typing && plain) return;
      // A held key repeats: a shortcut runs once per press (holding Alt+N must not take several demands).
      if (event.repeat) {
        if (current.current.some((s) => s.keys.toUpperCase() === name.toUpperCase())) event.preventDefault();
        return;
      }
      const hit = current.current.find((s) => s.keys.toUpperCase() === name.toUpperCase());
      if (!hit) return;
      event.preventDefault();
      hit.run();
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);
}

/** The shortcuts of a screen, shown on it (not hidden behind a help key). */
export function ShortcutList(props: { t: Translate; shortcuts: Shortcut[] }) {
  if (props.shortcuts.length === 0) return null;
  return (
    <aside class="shortcuts" aria-labelledby="shortcuts-title">
      <h2 id="shortcuts-title">{props.t("staff.shortcuts")}</h2>
      <dl>
        {props.shortcuts.map((s) => (
          <div key={s.keys}>
            <dt>
              <kbd>{s.keys}</kbd>
            </dt>
            <dd>{s.label}</dd>
          </div>
        ))}
      </dl>
    </aside>
  );
}

/** A message of the staff live stream (GET /api/v1/events): a timeline event, an alarm, a ringing call, a reset. */
export interface LiveMessage {
  kind: "event" | "alarm" | "call" | "reset";
  id?: number;
  type?: string;
  protocol?: string | null;
  at?: string;
  data?: Record<string, unknown>;
  alarm?: string;
  level?: string;
  workOrderId?: number | null;
  departmentId?: number | null;
  callId?: number;
  agentId?: number | null;
  actor?: { kind: string; id: number | null };
}

export type LiveState = "connecting" | "live" | "reconnecting";

/**
 * Follows the staff live stream while the screen is shown. EventSource resumes by itself with Last-Event-ID after a
 * dropped connection; but an HTTP error answer (a proxy's 502 during a deploy, an expired session's 401) closes it
 * for good, so then a new stream is opened after a pause (growing to 30 s), resuming from the last id seen
 * (`?lastEventId=`), and the handler gets a `reset` so the screen reloads what it may have missed. `reset` also
 * comes from the server when too much was missed.
 */
export function useLive(onMessage: (message: LiveMessage) => void, query = ""): LiveState {
  const [state, setState] = useState<LiveState>("connecting");
  const handler = useRef(onMessage);
  handler.current = onMessage;
  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    let source: EventSource | null = null;
    let lastId = "";
    let retry: ReturnType<typeof setTimeout> | undefined;
    let pause = 2_000;
    let stopped = false;
    const open = (reopened: boolean) => {
      const params = new URLSearchParams(query);
      if (lastId) params.set("lastEventId", lastId);
      const qs = params.toString();
      const current = new EventSource(`/api/v1/events${qs ? `?${qs}` : ""}`);
      source = current;
      current.onopen = () => {
        setState("live");
        pause = 2_000;
        if (reopened) handler.current({ kind: "reset" });
      };
      current.onerror = () => {
        setState("reconnecting");
        if (current.readyState !== EventSource.CLOSED || stopped) return;
        retry = setTimeout(() => open(true), pause);
        pause = Math.min(pause * 2, 30_000);
      };
      current.onmessage = (event) => {
        if (event.lastEventId) lastId = event.lastEventId;
        try {
          handler.current(JSON.parse(event.data as string) as LiveMessage);
        } catch {
          // A frame that is not JSON (never sent by the server) is skipped.
        }
      };
    };
    open(false);
    return () => {
      stopped = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [query]);
  return state;
}

/** Says whether the screen is following live changes; polite, so it never interrupts. */
export function LiveBadge(props: { t: Translate; state: LiveState }) {
  return (
    <p class={`live live-${props.state}`} role="status">
      {props.t(`staff.live.${props.state}`)}
    </p>
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
          {t(`${props.app}.site_name`)}
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
          <a href="/codigo-fonte">{t("ui.source_code")}</a>
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
          <SignIn t={t} lang={locale} onSignedIn={(me) => setSession(me)} />
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
