/**
 * The command centre (/centro): the city at a glance for supervisors, managers, the ombudsman team and admins —
 * every indicator (public and staff) for the last 30 days beside the comparison period, charts of the same
 * indicators (charts.tsx), and the map of open demands clustered on the server with a heat layer (map-panel.tsx),
 * all for the filters kept in the URL (selection.ts, filters.tsx) and kept live by the staff event stream. A bar,
 * a row or a cluster drills down to its demands (panels.tsx). Beside them the open alarms, newest first, a new one
 * shown as soon as the stream carries it (alarms-panel.tsx). The wall mode shows one panel at a time, full screen
 * and dark, rotating. One entry; the map loads Leaflet and the charts uPlot on demand.
 */
import "../ui/base.css";
import "./centre.css";
import "./quality.css";
import { render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { readBoot } from "../ui/boot.ts";
import { translator, withoutLang } from "../ui/i18n.ts";
import { LiveBadge, type LiveMessage, useLive } from "../ui/live.tsx";
import { matchPath, useLocation } from "../ui/router.ts";
import { type StaffEnv, StaffRoot } from "../ui/staff.tsx";
import { AlarmsPanel } from "./alarms-panel.tsx";
import { ChartsPanel } from "./charts.tsx";
import { FiltersForm, useFilterLists } from "./filters.tsx";
import { MapPanel } from "./map-panel.tsx";
import { DrillPanel, IndicatorsPanel } from "./panels.tsx";
import { PlanningScreen } from "./planning.tsx";
import { ResponsesScreen } from "./responses.tsx";
import { type Drill, type Selection, selectionOf, showSelection, whereOf } from "./selection.ts";

const boot = readBoot();
const t = translator(boot.messages, boot.locale);

/** How long after a live event the panels read again (events come in bursts: one read per burst). */
const REFRESH_AFTER_MS = 1_500;
/**
 * And again once the indicators' facts have surely caught up: the refresh-indicator-facts job runs every 5 s
 * (server/indicators/jobs.ts), so a read 1.5 s after an event may still miss it.
 */
const REFRESH_AGAIN_MS = 6_500;
/** With no event at all, the panels still read again this often (a clock passing a deadline makes no event). */
const REFRESH_EVERY_MS = 60_000;
/** How long each panel stays on the wall; the panels that take turns there are cards, charts, map and alarms. */
const WALL_PANEL_MS = 20_000;

/**
 * The tick the panels follow: it moves `REFRESH_AFTER_MS` and `REFRESH_AGAIN_MS` after the last live event of a
 * burst, and every `REFRESH_EVERY_MS` in any case. `onMessage` sees every message too (one stream for the screen).
 */
function useRefreshTick(onMessage: (message: LiveMessage) => void): {
  tick: number;
  live: ReturnType<typeof useLive>;
} {
  const [tick, setTick] = useState(0);
  const timers = useRef<Array<ReturnType<typeof setTimeout>>>([]);
  const live = useLive((message) => {
    onMessage(message);
    for (const timer of timers.current) clearTimeout(timer);
    timers.current = [REFRESH_AFTER_MS, REFRESH_AGAIN_MS].map((ms) =>
      setTimeout(() => setTick((n) => n + 1), ms),
    );
  });
  useEffect(() => {
    const every = setInterval(() => setTick((n) => n + 1), REFRESH_EVERY_MS);
    return () => {
      clearInterval(every);
      for (const timer of timers.current) clearTimeout(timer);
    };
  }, []);
  return { tick, live };
}

function CentreScreen(props: { env: StaffEnv; url: URL }) {
  const { env } = props;
  // Moves with each alarm (or reset) on the stream: the alarm panel reads again at once, not with the tick.
  const [alarmSignal, setAlarmSignal] = useState(0);
  const { tick, live } = useRefreshTick((message) => {
    if (message.kind === "alarm" || message.kind === "reset") setAlarmSignal((n) => n + 1);
  });
  const alarms = env.can("alarms.read");
  const wallPanels = alarms ? 4 : 3;
  const [wall, setWall] = useState(false);
  const [shown, setShown] = useState(0);
  const lists = useFilterLists(env.locale);
  const selection = selectionOf(props.url.searchParams);
  const where = whereOf(selection.filters);
  const change = (next: Selection) => showSelection(next);
  const drill = (d: Drill | null) => showSelection({ ...selection, drill: d });
  useEffect(() => {
    if (!wall) return;
    const timer = setInterval(() => setShown((n) => (n + 1) % wallPanels), WALL_PANEL_MS);
    return () => clearInterval(timer);
  }, [wall, wallPanels]);
  // What every panel follows: the selection, its filters as a query string, and the live tick.
  const panel = { env, selection, where, tick };
  return (
    <div class={wall ? "centre wall dark-charts" : "centre"}>
      <h1 tabIndex={-1}>{env.t("centre.panel.title")}</h1>
      <LiveBadge t={env.t} state={live} />
      <p>
        <button type="button" aria-pressed={wall} onClick={() => setWall(!wall)}>
          {wall ? env.t("centre.panel.wall_stop") : env.t("centre.panel.wall")}
        </button>
      </p>
      <div hidden={wall}>
        <FiltersForm env={env} selection={selection} lists={lists} onChange={change} />
      </div>
      {selection.drill && !wall ? (
        <DrillPanel
          env={env}
          selection={selection}
          drill={selection.drill}
          lists={lists}
          tick={tick}
          onClose={() => drill(null)}
        />
      ) : null}
      <div class={alarms ? "centre-top" : undefined}>
        <div hidden={wall && shown !== 0}>
          <IndicatorsPanel {...panel} />
        </div>
        {alarms ? (
          <div hidden={wall && shown !== 3}>
            <AlarmsPanel env={env} signal={alarmSignal} tick={tick} />
          </div>
        ) : null}
      </div>
      <div hidden={wall && shown !== 1}>
        {/* Drawn again on entering or leaving the wall: the charts take the dark screen's colours when created. */}
        <ChartsPanel key={wall ? "wall" : "desk"} {...panel} lists={lists} onDrill={drill} />
      </div>
      <div hidden={wall && shown !== 2}>
        <MapPanel {...panel} boot={boot} onDrill={drill} onHeat={(heat) => change({ ...selection, heat })} />
      </div>
    </div>
  );
}

function App() {
  const url = useLocation();
  return (
    <StaffRoot
      boot={boot}
      t={t}
      app="centre"
      path={withoutLang(url)}
      sections={(env) => [
        { href: "/centro", label: env.t("centre.menu.panel") },
        // Issue 17: the inspection routes and the table of answers, for the roles that read them.
        ...(env.can("inspections.read")
          ? [{ href: "/centro/fiscalizacao", label: env.t("centre.planning.menu") }]
          : []),
        ...(env.can("responses.read")
          ? [{ href: "/centro/respostas", label: env.t("centre.quality.responses.menu") }]
          : []),
      ]}
      screen={(env) => {
        const answer = matchPath("/centro/respostas/:id", url.pathname);
        if (url.pathname === "/centro/fiscalizacao" && env.can("inspections.read")) {
          return <PlanningScreen env={env} />;
        }
        if ((answer || url.pathname === "/centro/respostas") && env.can("responses.read")) {
          return <ResponsesScreen env={env} {...(answer ? { id: answer.id! } : {})} />;
        }
        return <CentreScreen env={env} url={url} />;
      }}
    />
  );
}

const root = document.getElementById("app")!;
root.textContent = "";
render(<App />, root);
