/**
 * The inspectors' tablet at /campo (issue 17, decision 0063): signs in, downloads the day (routes, blocks, the
 * questionnaires, the services) and works the whole day without the network — answers, field demands, skipped
 * visits, all kept in IndexedDB (store.ts) and synced when the link is back (runner.ts). The header counts what
 * still waits; signing out warns while anything does.
 */
import "../ui/base.css";
import "../ui/staff.css";
import "./campo.css";
import { render } from "preact";
import { useState } from "preact/hooks";
import { ApiProblem } from "../ui/api.ts";
import { inBase } from "../ui/base.ts";
import { readBoot } from "../ui/boot.ts";
import { LanguageSwitch, ProblemAlert } from "../ui/components.tsx";
import { type Translate, translator, withLang, withoutLang } from "../ui/i18n.ts";
import { matchPath, onLinkClick, useLocation } from "../ui/router.ts";
import { type Me, SignIn, send, useSession } from "../ui/staff.tsx";
import { AnswerScreen } from "./answer.tsx";
import { DayScreen } from "./day.tsx";
import { DemandScreen } from "./demand.tsx";
import { type CampoEnv, PATHS, useKept, useKeptSession, useSyncer } from "./env.ts";
import { forgetSynced } from "./store.ts";
import { waitingCount } from "./sync.ts";
import { WaitingScreen } from "./waiting.tsx";

const boot = readBoot();
const t = translator(boot.messages, boot.locale);

/** The header: the app's name, the language, the count waiting to sync, who is signed in and the sign-out. */
function Header(props: {
  t: Translate;
  path: string;
  me: Me | null;
  waiting: number;
  onSignOut: () => void;
}) {
  const { t, me } = props;
  const locale = boot.locale;
  return (
    <header class="site-header campo-header">
      <a class="brand" href={withLang(PATHS.day, locale)} data-nav>
        {t("campo.site_name")}
        {boot.brand?.name ? <span class="brand-city"> · {boot.brand.name}</span> : null}
      </a>
      <LanguageSwitch t={t} locale={locale} locales={boot.locales} path={props.path} />
      {me ? (
        <>
          <nav id="menu" aria-label={t("ui.menu")}>
            <ul>
              <li>
                <a class="menu-link" href={withLang(PATHS.day, locale)} data-nav>
                  {t("campo.menu.day")}
                </a>
              </li>
              <li>
                <a class="menu-link" href={withLang(PATHS.demand, locale)} data-nav>
                  {t("campo.menu.demand")}
                </a>
              </li>
              <li>
                <a
                  class="menu-link"
                  href={withLang(PATHS.waiting, locale)}
                  data-nav
                  data-testid="waiting-link"
                >
                  {t("campo.menu.waiting")}{" "}
                  <span class={props.waiting > 0 ? "count waiting" : "count"}>{props.waiting}</span>
                </a>
              </li>
            </ul>
          </nav>
          <div class="who">
            <span>
              {me.name} · {t(`staff.roles.${me.role}`)}
            </span>{" "}
            <button type="button" class="link-button" onClick={props.onSignOut}>
              {t("staff.sign_out")}
            </button>
          </div>
        </>
      ) : null}
    </header>
  );
}

/** The signed-in tablet: the screen of the path, the syncer running. */
function Signed(props: { me: Me; url: URL; path: string; onSignedOut: () => void }) {
  const { me, url } = props;
  const kept = useKept();
  const env: CampoEnv = { boot, t, locale: boot.locale, me, kept };
  const waiting = waitingCount(kept.items, me.id);
  const syncer = useSyncer(env, waiting);
  useKeptSession(boot.locale);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [confirming, setConfirming] = useState(false);
  const signOut = async (confirmed: boolean) => {
    if (waiting > 0 && !confirmed) {
      setConfirming(true);
      return;
    }
    try {
      await send("/api/v1/auth/logout", undefined, boot.locale);
      await forgetSynced();
      props.onSignedOut();
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", ""));
    }
  };
  const path = url.pathname.replace(/\/+$/, "") || "/";
  const visit = matchPath(`${PATHS.day}/visita/:id`, path);
  const allowed = me.permissions.includes("field.work");
  let screen = <DayScreen env={env} syncer={syncer} />;
  if (visit) screen = <AnswerScreen key={visit.id} env={env} visitId={Number(visit.id)} />;
  if (path === PATHS.demand) screen = <DemandScreen env={env} url={url} />;
  if (path === PATHS.waiting) screen = <WaitingScreen env={env} syncer={syncer} />;
  return (
    <>
      <Header t={t} path={props.path} me={me} waiting={waiting} onSignOut={() => signOut(false)} />
      <main id="main" tabIndex={-1}>
        <ProblemAlert problem={problem} t={t} />
        {confirming ? (
          <div class="problem" role="alertdialog" aria-labelledby="sign-out-warning">
            <p id="sign-out-warning">
              <strong>{t("campo.sign_out.warning", { count: waiting })}</strong>
            </p>
            <p>{t("campo.sign_out.detail")}</p>
            <p class="row">
              <button type="button" onClick={() => setConfirming(false)}>
                {t("campo.sign_out.stay")}
              </button>{" "}
              <button type="button" class="secondary" onClick={() => signOut(true)}>
                {t("campo.sign_out.anyway")}
              </button>
            </p>
          </div>
        ) : null}
        {allowed ? (
          screen
        ) : (
          <section class="card">
            <h1 tabIndex={-1}>{t("staff.not_allowed.title")}</h1>
            <p>{t("staff.not_allowed.detail")}</p>
          </section>
        )}
      </main>
    </>
  );
}

function App() {
  const url = useLocation();
  const [session, setSession] = useSession(boot.locale);
  const path = withoutLang(url);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: one delegated handler for in-app links, which stay links.
    // biome-ignore lint/a11y/useKeyWithClickEvents: links already answer Enter; this only avoids a reload.
    <div class="frame staff campo" onClick={onLinkClick}>
      <a class="skip" href="#main">
        {t("ui.skip_to_content")}
      </a>
      {session.state === "signed-in" ? (
        <Signed me={session.me} url={url} path={path} onSignedOut={() => setSession(null)} />
      ) : (
        <>
          <Header t={t} path={path} me={null} waiting={0} onSignOut={() => undefined} />
          <main id="main" tabIndex={-1}>
            {session.state === "loading" ? (
              <p role="status">{t("ui.loading")}</p>
            ) : (
              <SignIn t={t} lang={boot.locale} onSignedIn={(me) => setSession(me)} />
            )}
          </main>
        </>
      )}
    </div>
  );
}

// The tablet opens without the network (sw.ts); under a tenant prefix, with that tenant's own worker and scope.
if ("serviceWorker" in navigator && location.protocol !== "file:") {
  navigator.serviceWorker
    .register(inBase("/campo-sw.js"), { scope: inBase("/campo") })
    .catch(() => undefined);
}
// Asked for once, so the browser keeps the day's photos when the device is short of space.
void navigator.storage?.persist?.().catch(() => undefined);

const root = document.getElementById("app")!;
root.textContent = "";
render(<App />, root);
