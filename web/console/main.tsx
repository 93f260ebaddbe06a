/**
 * The agent console of the call centre and the in-person counters: the triage queue (take next, reclassify,
 * dispatch, merge, cancel, release), phone intake with the caller's screen pop, and counter intake with a printed
 * receipt. One live stream feeds every screen; a ringing call pops up whatever the agent is looking at.
 */
import "../ui/base.css";
import "./console.css";
import { render } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { inBase } from "../ui/base.ts";
import { readBoot } from "../ui/boot.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { translator, withLang, withoutLang } from "../ui/i18n.ts";
import { type LiveMessage, useLive } from "../ui/live.tsx";
import { newestOnly } from "../ui/load.ts";
import { matchPath, navigate, useLocation } from "../ui/router.ts";
import { type Shortcut, useShortcuts } from "../ui/shortcuts.tsx";
import { type StaffEnv, StaffRoot, send } from "../ui/staff.tsx";
import { CounterScreen } from "./counter.tsx";
import { DeliveriesScreen } from "./deliveries.tsx";
import { DemandScreen } from "./demand.tsx";
import { type CallView, type ConsoleProps, type LiveHub, longestRinging, PATHS } from "./env.ts";
import { InboxScreen } from "./inbox.tsx";
import { JobsScreen } from "./jobs.tsx";
import { PendingPanel } from "./pending.tsx";
import { PhoneScreen } from "./phone.tsx";
import { QueueScreen } from "./queue.tsx";
import { focusSearch, SearchScreen } from "./search.tsx";

const boot = readBoot();
const t = translator(boot.messages, boot.locale);

/** The signed-in console: the shared live stream, the ringing-call pop, the frame's shortcuts, the screen. */
function Console(props: { env: StaffEnv; url: URL }) {
  const { env, url } = props;
  const { t, locale } = env;
  const listeners = useRef(new Set<(m: LiveMessage) => void>());
  const [ringing, setRinging] = useState<CallView[]>([]);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const takesCalls = env.can("calls.intake");
  // A problem belongs to the screen it happened on.
  const where = `${url.pathname}${url.search}`;
  useEffect(() => setProblem(null), [where]);

  // Events close together ask again while an earlier answer is on its way: only the newest answer is shown, or a
  // late one listing a call ended meanwhile would keep it ringing on screen with no event left to clear it.
  const newest = useRef(newestOnly()).current;
  const loadRinging = useCallback(() => {
    if (!takesCalls) return;
    newest(api<CallView[]>("/api/v1/calls?state=ringing", {}, locale), setRinging).catch(() => undefined);
  }, [takesCalls, locale, newest]);
  useEffect(loadRinging, [loadRinging]);

  const state = useLive((message) => {
    // A ring is not replayed after a drop: the open calls are listed again instead.
    if (message.kind === "call" || message.kind === "reset") loadRinging();
    for (const listener of listeners.current) listener(message);
  });
  const live: LiveHub = {
    state,
    subscribe: (listener) => {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
  };

  const answer = async (call: CallView) => {
    setProblem(null);
    try {
      await send(`/api/v1/calls/${call.id}/answer`, undefined, locale);
      setRinging((calls) => calls.filter((c) => c.id !== call.id));
      navigate(withLang(`${PATHS.phone}?chamada=${call.id}`, locale));
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e : null);
      loadRinging();
    }
  };

  const go = (path: string) => () => navigate(withLang(path, locale));
  const first = longestRinging(ringing);
  const frameShortcuts: Shortcut[] = [
    ...(first ? [{ keys: "Alt+A", label: t("console.calls.answer"), run: () => answer(first) }] : []),
    ...(env.can("triage.work")
      ? [{ keys: "Alt+Q", label: t("console.menu.queue"), run: go(PATHS.queue) }]
      : []),
    // "/" as on most sites with a search box; Alt+B was already the counter's.
    ...(env.can("demands.read")
      ? [{ keys: "/", label: t("console.search.title"), run: () => focusSearch(locale) }]
      : []),
    ...(takesCalls
      ? [
          { keys: "Alt+T", label: t("console.menu.phone"), run: go(PATHS.phone) },
          { keys: "Alt+B", label: t("console.menu.counter"), run: go(PATHS.counter) },
        ]
      : []),
  ];
  useShortcuts(frameShortcuts);

  const path = url.pathname.replace(/\/+$/, "") || "/";
  const screenProps: ConsoleProps = { env, live, frameShortcuts, url };
  // Who works no queue (a manager following deliveries) starts on the undelivered messages.
  let screen = env.can("triage.work") ? (
    <QueueScreen {...screenProps} />
  ) : env.can("dead_letters.read") ? (
    <DeliveriesScreen {...screenProps} />
  ) : (
    <PhoneScreen {...screenProps} onAnswer={answer} />
  );
  const demand = matchPath("/console/demanda/:protocol", path);
  if (demand) screen = <DemandScreen key={demand.protocol} {...screenProps} protocol={demand.protocol!} />;
  const onPhone = path === PATHS.phone;
  const callId = url.searchParams.get("chamada");
  // Keyed by the call: another call's screen starts empty instead of showing the previous caller meanwhile.
  if (onPhone) screen = <PhoneScreen key={callId ?? ""} {...screenProps} onAnswer={answer} />;
  if (path === PATHS.counter) screen = <CounterScreen {...screenProps} />;
  if (path === PATHS.deliveries && env.can("dead_letters.read"))
    screen = <DeliveriesScreen {...screenProps} />;
  if (path === PATHS.jobs && env.can("dead_letters.read")) screen = <JobsScreen {...screenProps} />;
  if (path === PATHS.search && env.can("demands.read")) screen = <SearchScreen {...screenProps} />;
  const conversation = url.searchParams.get("conversa");
  if (path === PATHS.inbox && env.can("conversations.work"))
    screen = <InboxScreen key={conversation ?? ""} {...screenProps} />;
  return (
    <>
      {/* The call list shows the ringing calls itself; every other screen, a call's included, pops them here. */}
      {first && !(onPhone && !callId) ? (
        <div class="ringing" role="alert">
          <p>
            <strong>{t("console.calls.ringing", { from: first.from ?? first.fromRaw })}</strong>{" "}
            <button type="button" onClick={() => answer(first)}>
              {t("console.calls.answer")} <kbd>Alt+A</kbd>
            </button>
          </p>
        </div>
      ) : null}
      <ProblemAlert problem={problem} t={t} />
      {/* The demands taken without the network: sent when the link is back, listed until the agent is done. */}
      <PendingPanel env={env} />
      {screen}
    </>
  );
}

function App() {
  const url = useLocation();
  return (
    <StaffRoot
      boot={boot}
      t={t}
      app="console"
      path={withoutLang(url)}
      sections={(env) => [
        ...(env.can("triage.work") ? [{ href: PATHS.queue, label: env.t("console.menu.queue") }] : []),
        ...(env.can("demands.read") ? [{ href: PATHS.search, label: env.t("console.menu.search") }] : []),
        ...(env.can("conversations.work") ? [{ href: PATHS.inbox, label: env.t("console.menu.inbox") }] : []),
        ...(env.can("calls.intake")
          ? [
              { href: PATHS.phone, label: env.t("console.menu.phone") },
              { href: PATHS.counter, label: env.t("console.menu.counter") },
            ]
          : []),
        ...(env.can("dead_letters.read")
          ? [
              { href: PATHS.deliveries, label: env.t("console.menu.deliveries") },
              { href: PATHS.jobs, label: env.t("console.menu.jobs") },
            ]
          : []),
      ]}
      screen={(env) => <Console env={env} url={url} />}
    />
  );
}

// The console opens and takes demands without the network (web/console/sw.ts, decision 0058); under a tenant
// prefix, with that tenant's own worker and scope.
if ("serviceWorker" in navigator && location.protocol !== "file:") {
  navigator.serviceWorker
    .register(inBase("/console-sw.js"), { scope: inBase("/console") })
    .catch(() => undefined);
}

const root = document.getElementById("app")!;
root.textContent = "";
render(<App />, root);
