/**
 * The citizen portal: find a service, file a demand (offline-safe), follow it by protocol, rate the answer, and see
 * public demands nearby. One entry; the map and each secondary screen load on demand.
 */
import "../ui/base.css";
import "./auditor.css";
import "./chat.css";
import "./transparency.css";
import { type ComponentType, render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { inBase, outOfBase, tenantBase } from "../ui/base.ts";
import { readBoot } from "../ui/boot.ts";
import { Frame } from "../ui/components.tsx";
import { translator, withLang, withoutLang } from "../ui/i18n.ts";
import { matchPath, useLocation } from "../ui/router.ts";
import { flushOutbox } from "./draft.ts";
import type { Env } from "./env.ts";
import { FileScreen } from "./file.tsx";
import { FollowScreen } from "./follow.tsx";
import { HomeScreen } from "./home.tsx";
import { MineScreen } from "./mine.tsx";
import { NearbyScreen } from "./nearby.tsx";

const boot = readBoot();
const env: Env = { boot, locale: boot.locale, t: translator(boot.messages, boot.locale) };

/** The chat's button; its panel (chat.tsx) loads only when the citizen opens it. */
function ChatLauncher() {
  const [Panel, setPanel] = useState<ComponentType<{ env: Env; onClose: () => void }> | null>(null);
  const [open, setOpen] = useState(false);
  const start = async () => {
    setOpen(true);
    if (!Panel) {
      const { ChatPanel } = await import("./chat.tsx");
      setPanel(() => ChatPanel);
    }
  };
  if (open && Panel) return <Panel env={env} onClose={() => setOpen(false)} />;
  return (
    <button type="button" class="chat-launcher" onClick={() => void start()} aria-expanded={open}>
      {env.t("portal.chat.open")}
    </button>
  );
}

/**
 * The transparency pages load on demand (transparency.tsx): they are not in the portal's first screen. Opened at
 * /transparencia, their chunk (preloaded by the shell) is imported at once, while the frame renders.
 */
let transparency: Promise<typeof import("./transparency.tsx")> | undefined;
const loadTransparency = () => {
  transparency ??= import("./transparency.tsx");
  return transparency;
};
if (outOfBase(location.pathname).startsWith("/transparencia")) {
  void loadTransparency().then((m) => {
    if (outOfBase(location.pathname) === "/transparencia") m.askEarly(env);
  });
}

function TransparencyLoader() {
  const [Screen, setScreen] = useState<ComponentType<{ env: Env }> | null>(null);
  useEffect(() => {
    void loadTransparency().then((m) => setScreen(() => m.TransparencyScreen));
  }, []);
  return Screen ? <Screen env={env} /> : <p>{env.t("ui.loading")}</p>;
}

/** The citizen-auditor screen loads on demand (auditor.tsx, with the map when a point is chosen). */
function AuditorLoader() {
  const [Screen, setScreen] = useState<ComponentType<{ env: Env }> | null>(null);
  useEffect(() => {
    void import("./auditor.tsx").then((m) => setScreen(() => m.AuditorScreen));
  }, []);
  return Screen ? <Screen env={env} /> : <p>{env.t("ui.loading")}</p>;
}

/** The follow-an-area screen loads on demand too (area-follow.tsx, with the map when a point is chosen). */
function AreaFollowLoader(props: { search: URLSearchParams }) {
  const [Screen, setScreen] = useState<ComponentType<{ env: Env; search: URLSearchParams }> | null>(null);
  useEffect(() => {
    void import("./area-follow.tsx").then((m) => setScreen(() => m.AreaFollowScreen));
  }, []);
  return Screen ? <Screen env={env} search={props.search} /> : <p>{env.t("ui.loading")}</p>;
}

function App() {
  const url = useLocation();
  const path = url.pathname;
  const { t, locale } = env;
  let screen = <HomeScreen env={env} query={url.searchParams.get("q") ?? ""} />;
  let params = matchPath("/solicitar/:code", path);
  // `q`: the words typed on the home page's search, carried into the description.
  if (params)
    screen = (
      <FileScreen
        key={params.code}
        env={env}
        code={params.code!}
        initialText={url.searchParams.get("q") ?? ""}
      />
    );
  params = matchPath("/demanda/:protocol", path);
  if (params)
    screen = <FollowScreen key={params.protocol} env={env} protocol={params.protocol!} hash={url.hash} />;
  if (path === "/demanda") screen = <FollowScreen env={env} protocol="" hash="" />;
  if (matchPath("/perto", path)) screen = <NearbyScreen env={env} />;
  if (matchPath("/minhas-solicitacoes", path)) screen = <MineScreen env={env} />;
  if (matchPath("/acompanhar-area", path)) screen = <AreaFollowLoader search={url.searchParams} />;
  if (matchPath("/auditor-cidadao", path)) screen = <AuditorLoader />;
  // The first page and the pages of a district, a service or a department (transparency.tsx picks which).
  if (path === "/transparencia" || path.startsWith("/transparencia/")) screen = <TransparencyLoader />;
  return (
    <Frame
      t={t}
      locale={locale}
      locales={boot.locales}
      path={withoutLang(url)}
      siteName={boot.brand?.name ?? t("portal.site_name")}
      logoUrl={boot.brand?.logoUrl}
      hasSearch={path === "/"}
      menu={[
        { href: withLang("/", locale), label: t("portal.menu.home") },
        { href: withLang("/demanda", locale), label: t("portal.menu.follow") },
        { href: withLang("/perto", locale), label: t("portal.menu.nearby") },
        { href: withLang("/minhas-solicitacoes", locale), label: t("portal.menu.mine") },
        { href: withLang("/transparencia", locale), label: t("portal.menu.transparency") },
        { href: withLang("/acompanhar-area", locale), label: t("portal.areaFollows.menu") },
        { href: withLang("/auditor-cidadao", locale), label: t("portal.auditor.menu") },
      ]}
    >
      {screen}
      <ChatLauncher />
    </Frame>
  );
}

const root = document.getElementById("app")!;
root.textContent = "";
render(<App />, root);

// A demand queued while offline is sent as soon as the phone is back online (and at every start).
const flush = () =>
  flushOutbox(env.locale, (submission, response, body) => {
    dispatchEvent(
      new CustomEvent("responsiva:sent", { detail: { submission, status: response.status, body } }),
    );
  });
addEventListener("online", () => void flush());
void flush();

// Under a tenant prefix, that tenant's own worker and scope (sw.ts keeps to its scope's prefix).
if ("serviceWorker" in navigator && location.protocol !== "file:") {
  navigator.serviceWorker.register(inBase("/sw.js"), { scope: `${tenantBase()}/` }).catch(() => undefined);
}
