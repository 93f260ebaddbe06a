/**
 * The public map of open demands (GET /api/v1/public/map/clusters): clusters made on the server from the points open
 * data publishes (~100 m grid); demands of sensitive services and confidential ones are never on it, only counted
 * by district in the list under it (decisions 0013, 0020). Leaflet and the clusters load when the map comes near
 * the screen, never with the first screen.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { useMap, viewQueryOf } from "../ui/map.ts";
import type { Env } from "./env.ts";
import { pageHref, useNearScreen } from "./transparency-data.ts";

interface Cluster {
  lat: number;
  lon: number;
  count: number;
  late: number;
}

interface PublicClusters {
  total: number;
  clusters: Cluster[];
  districts: Array<{ district: string; name: string; count: number; late: number }>;
}

/** The map section; `where` narrows it with the indicators' filters ("district=77"). */
export function PublicMap(props: { env: Env; where?: string }) {
  const { env, where = "" } = props;
  const { t, locale } = env;
  const [section, near] = useNearScreen();
  const element = useRef<HTMLDivElement>(null);
  const [moved, setMoved] = useState(0);
  const map = useMap(
    element,
    near
      ? { boot: env.boot, label: t("portal.transparency.map.label"), onMove: () => setMoved((n) => n + 1) }
      : null,
  );
  const [answer, setAnswer] = useState<PublicClusters | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);

  useEffect(() => {
    if (!map) return;
    let cancelled = false;
    const query = [viewQueryOf(map), where].filter(Boolean).join("&");
    api<PublicClusters>(`/api/v1/public/map/clusters?${query}`, {}, locale)
      .then((r) => {
        if (cancelled) return;
        setProblem(null);
        setAnswer(r);
        map.setDots(
          r.clusters.map((c) => ({
            lat: c.lat,
            lon: c.lon,
            radius: Math.min(30, 5 + 4 * Math.log2(c.count)),
            warn: c.late > 0,
            label: t("portal.transparency.map.cluster", { count: c.count, late: c.late }),
          })),
        );
      })
      .catch((e) => setProblem(e instanceof ApiProblem ? e : null));
    return () => {
      cancelled = true;
    };
  }, [map, moved, where, locale]);

  const onMap = (answer?.clusters ?? []).reduce((sum, c) => sum + c.count, 0);
  const byDistrict = (answer?.districts ?? []).reduce((sum, d) => sum + d.count, 0);
  return (
    <section aria-labelledby="transparency-map" ref={section}>
      <h2 id="transparency-map">{t("portal.transparency.map.title")}</h2>
      <p>{t("portal.transparency.map.intro")}</p>
      {problem ? <ProblemAlert problem={problem} t={t} /> : null}
      <p class="map-total" role="status" data-total={answer ? answer.total : ""}>
        {answer
          ? t("portal.transparency.map.total", { count: onMap, district: byDistrict })
          : t("ui.loading")}
      </p>
      <div ref={element} class="map transparency-map" />
      {answer && answer.districts.length > 0 ? (
        <details class="district-only">
          <summary>{t("portal.transparency.map.district_only", { count: byDistrict })}</summary>
          <p class="hint">{t("portal.transparency.map.district_only_why")}</p>
          <ul>
            {answer.districts.map((d) => (
              <li key={d.district} data-district={d.district}>
                <a href={pageHref("district", d.district, locale)} data-nav>
                  {d.name}
                </a>
                : {t("portal.transparency.map.district_count", { count: d.count, late: d.late })}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
