/**
 * The command centre (/centro): the city at a glance for supervisors, managers, the ombudsman team and admins —
 * every indicator (public and staff) for the last 30 days beside the 30 before, and the map of open demands
 * clustered on the server, both kept live by the staff event stream. The wall mode shows one panel at a time, full
 * screen, rotating. One entry; the map loads Leaflet on demand.
 */
import "../ui/base.css";
import "./centre.css";
import { render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { readBoot } from "../ui/boot.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { translator, withoutLang } from "../ui/i18n.ts";
import { formatIndicatorValue, useIndicatorReadings } from "../ui/indicators.ts";
import { LiveBadge, useLive } from "../ui/live.tsx";
import { type MapHandle, mountMap } from "../ui/map.ts";
import { useLocation } from "../ui/router.ts";
import { type StaffEnv, StaffRoot } from "../ui/staff.tsx";

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
/** How long each panel stays on the wall. */
const WALL_PANEL_MS = 20_000;
const NO_CACHE: RequestInit = { cache: "no-store" };

interface Cluster {
  lat: number;
  lon: number;
  count: number;
  late: number;
}

/**
 * The tick the panels follow: it moves `REFRESH_AFTER_MS` and `REFRESH_AGAIN_MS` after the last live event of a
 * burst, and every `REFRESH_EVERY_MS` in any case.
 */
function useRefreshTick(): { tick: number; live: ReturnType<typeof useLive> } {
  const [tick, setTick] = useState(0);
  const timers = useRef<Array<ReturnType<typeof setTimeout>>>([]);
  const live = useLive(() => {
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

function IndicatorsPanel(props: { env: StaffEnv; tick: number }) {
  const { env, tick } = props;
  const { t, locale } = env;
  // Never from the browser's cache (public indicators may be cached 30 s): the panel follows the events.
  const { definitions, readings, problem } = useIndicatorReadings(locale, "", tick, true);
  const lag = Object.values(readings).find((r) => r.source?.replica)?.source?.lagSeconds;
  return (
    <section aria-labelledby="centre-indicators">
      <h2 id="centre-indicators">{t("centre.panel.indicators")}</h2>
      {problem ? <ProblemAlert problem={problem} t={t} /> : null}
      {lag !== undefined && lag !== null ? (
        <p class="hint">{t("centre.panel.replica", { seconds: lag.toFixed(1) })}</p>
      ) : null}
      <ul class="indicator-cards">
        {(definitions ?? []).map((d) => {
          const reading = readings[d.id];
          const value = reading?.rows[0]?.values[d.headline];
          const before = reading?.previous?.rows[0]?.values[d.headline];
          return (
            <li key={d.id} class="indicator-card" data-indicator={d.id}>
              <h3>{d.title}</h3>
              <p class="indicator-value" data-value={value ?? ""}>
                {reading ? formatIndicatorValue(d.unit, value, t, locale, "centre.panel") : t("ui.loading")}
              </p>
              {reading?.previous ? (
                <p class="hint">
                  {t("centre.panel.previous", {
                    value: formatIndicatorValue(d.unit, before, t, locale, "centre.panel"),
                  })}
                </p>
              ) : (
                <p class="hint">{t("centre.panel.now")}</p>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function MapPanel(props: { env: StaffEnv; tick: number }) {
  const { env, tick } = props;
  const { t, locale } = env;
  const element = useRef<HTMLDivElement>(null);
  const [map, setMap] = useState<MapHandle | null>(null);
  const [moved, setMoved] = useState(0);
  const [clusters, setClusters] = useState<Cluster[] | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  useEffect(() => {
    let handle: MapHandle | undefined;
    let gone = false;
    mountMap(element.current!, {
      boot,
      label: t("centre.map.label"),
      onMove: () => setMoved((n) => n + 1),
    }).then((h) => {
      if (gone) h.destroy();
      else {
        handle = h;
        setMap(h);
      }
    });
    return () => {
      gone = true;
      handle?.destroy();
    };
  }, []);
  useEffect(() => {
    if (!map) return;
    let cancelled = false;
    const bbox = map
      .bounds()
      .map((n) => n.toFixed(5))
      .join(",");
    api<{ clusters: Cluster[] }>(`/api/v1/map/clusters?zoom=${map.zoom()}&bbox=${bbox}`, NO_CACHE, locale)
      .then((r) => {
        if (cancelled) return;
        setClusters(r.clusters);
        map.setDots(
          r.clusters.map((c) => ({
            lat: c.lat,
            lon: c.lon,
            radius: Math.min(30, 5 + 4 * Math.log2(c.count)),
            warn: c.late > 0,
            label: t("centre.map.cluster", { count: c.count, late: c.late }),
          })),
        );
      })
      .catch((e) => setProblem(e instanceof ApiProblem ? e : null));
    return () => {
      cancelled = true;
    };
  }, [map, moved, tick, locale]);
  const total = (clusters ?? []).reduce((sum, c) => sum + c.count, 0);
  const late = (clusters ?? []).reduce((sum, c) => sum + c.late, 0);
  return (
    <section aria-labelledby="centre-map">
      <h2 id="centre-map">{t("centre.map.title")}</h2>
      {problem ? <ProblemAlert problem={problem} t={t} /> : null}
      <p class="map-total" data-total={clusters ? total : ""} role="status">
        {clusters ? t("centre.map.total", { count: total, late }) : t("ui.loading")}
      </p>
      <div ref={element} class="map centre-map" />
    </section>
  );
}

function CentreScreen(props: { env: StaffEnv }) {
  const { env } = props;
  const { tick, live } = useRefreshTick();
  const [wall, setWall] = useState(false);
  const [shown, setShown] = useState(0);
  useEffect(() => {
    if (!wall) return;
    const timer = setInterval(() => setShown((n) => (n + 1) % 2), WALL_PANEL_MS);
    return () => clearInterval(timer);
  }, [wall]);
  return (
    <div class={wall ? "centre wall" : "centre"}>
      <h1 tabIndex={-1}>{env.t("centre.panel.title")}</h1>
      <LiveBadge t={env.t} state={live} />
      <p>
        <button type="button" aria-pressed={wall} onClick={() => setWall(!wall)}>
          {wall ? env.t("centre.panel.wall_stop") : env.t("centre.panel.wall")}
        </button>
      </p>
      <div hidden={wall && shown !== 0}>
        <IndicatorsPanel env={env} tick={tick} />
      </div>
      <div hidden={wall && shown !== 1}>
        <MapPanel env={env} tick={tick} />
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
      sections={(env) => [{ href: "/centro", label: env.t("centre.menu.panel") }]}
      screen={(env) => <CentreScreen env={env} />}
    />
  );
}

const root = document.getElementById("app")!;
root.textContent = "";
render(<App />, root);
