/**
 * The centre's map of open demands: clusters made on the server (GET /api/v1/map/clusters) for the view and the
 * selection's filters, as dots whose popup drills down to the cluster's demands, and, when asked, a heat layer from
 * the same cells (count per cell).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import type { Boot } from "../ui/boot.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { useMap, viewQueryOf } from "../ui/map.ts";
import type { StaffEnv } from "../ui/staff.tsx";
import { QualityLayer } from "./quality-layer.tsx";
import { type Drill, type Selection, searchOf, selectionOf } from "./selection.ts";

const NO_CACHE: RequestInit = { cache: "no-store" };
/** Metres in a degree of latitude: a cell's side on the ground, for the heat layer's discs. */
const METRES_PER_DEGREE = 111_320;

interface Cluster {
  lat: number;
  lon: number;
  count: number;
  late: number;
}

/** The cell of the server's grid a cluster stands in (its mean lies inside it): west,south,east,north. */
function cellOf(c: Cluster, size: number): [number, number, number, number] {
  const west = Math.floor(c.lon / size) * size;
  const south = Math.floor(c.lat / size) * size;
  return [west, south, west + size, south + size];
}

/** Where a map looks, from its box and zoom: the quality layer opens there. */
function centreOf(box: [number, number, number, number], zoom: number) {
  return { lat: (box[1] + box[3]) / 2, lon: (box[0] + box[2]) / 2, zoom };
}

/** The map panel; `onDrill` opens the list of a cluster's demands. */
export function MapPanel(props: {
  env: StaffEnv;
  boot: Boot;
  selection: Selection;
  where: string;
  tick: number;
  onDrill: (drill: Drill) => void;
  onHeat: (heat: boolean) => void;
}) {
  const { env, selection, where, tick } = props;
  const { t, locale } = env;
  const element = useRef<HTMLDivElement>(null);
  const [moved, setMoved] = useState(0);
  const map = useMap(element, {
    boot: props.boot,
    label: t("centre.map.label"),
    onMove: () => setMoved((n) => n + 1),
  });
  const [clusters, setClusters] = useState<Cluster[] | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  // The blocks' quality layer (issue 17) takes the map's place while it is on, opening where the map was.
  const [quality, setQuality] = useState(false);
  const drill = useRef(props.onDrill);
  drill.current = props.onDrill;
  useEffect(() => {
    // A cluster's popup links to the centre with its cell drilled down: followed in place, the map kept.
    const follow = (e: MouseEvent) => {
      const a = (e.target as Element).closest<HTMLAnchorElement>(".leaflet-popup-content a[href]");
      const cell = a ? selectionOf(new URL(a.href).searchParams).drill : null;
      if (!cell) return;
      e.preventDefault();
      drill.current(cell);
    };
    element.current!.addEventListener("click", follow);
  }, []);
  useEffect(() => {
    if (!map) return;
    let cancelled = false;
    api<{ clusters: Cluster[]; cellDegrees: number }>(
      `/api/v1/map/clusters?${viewQueryOf(map)}${where ? `&${where}` : ""}`,
      NO_CACHE,
      locale,
    )
      .then((r) => {
        if (cancelled) return;
        setClusters(r.clusters);
        setProblem(null);
        map.setHeat(selection.heat ? r.clusters : [], (r.cellDegrees * METRES_PER_DEGREE) / 2);
        map.setDots(
          r.clusters.map((c) => {
            const cell = cellOf(c, r.cellDegrees);
            return {
              lat: c.lat,
              lon: c.lon,
              radius: selection.heat ? 4 : Math.min(30, 5 + 4 * Math.log2(c.count)),
              warn: c.late > 0,
              label: t("centre.map.cluster", { count: c.count, late: c.late }),
              href: `/centro${searchOf({ ...selection, drill: { kind: "cell", bbox: cell } }, new URLSearchParams(location.search))}`,
            };
          }),
        );
      })
      .catch((e) => setProblem(e instanceof ApiProblem ? e : null));
    return () => {
      cancelled = true;
    };
  }, [map, moved, tick, locale, where, selection.heat]);
  const total = (clusters ?? []).reduce((sum, c) => sum + c.count, 0);
  const late = (clusters ?? []).reduce((sum, c) => sum + c.late, 0);
  return (
    <section aria-labelledby="centre-map">
      <h2 id="centre-map">{t("centre.map.title")}</h2>
      <ProblemAlert problem={problem} t={t} />
      <p class="row">
        <label class="choice">
          <input
            type="checkbox"
            name="heat"
            checked={selection.heat}
            onChange={(e) => props.onHeat((e.target as HTMLInputElement).checked)}
          />{" "}
          {t("centre.map.heat")}
        </label>
        {env.can("block_scores.read") ? (
          <label class="choice">
            <input
              type="checkbox"
              name="quality"
              checked={quality}
              onChange={(e) => setQuality((e.target as HTMLInputElement).checked)}
            />{" "}
            {t("centre.quality.toggle")}
          </label>
        ) : null}
      </p>
      {quality ? (
        <QualityLayer
          env={env}
          boot={props.boot}
          selection={selection}
          tick={tick}
          {...(map ? { view: centreOf(map.bounds(), map.zoom()) } : {})}
        />
      ) : null}
      <div hidden={quality}>
        <p
          class="map-total"
          data-total={clusters ? total : ""}
          data-heat-cells={selection.heat && clusters ? clusters.length : 0}
          role="status"
        >
          {clusters ? t("centre.map.total", { count: total, late }) : t("ui.loading")}
        </p>
        <div ref={element} class="map centre-map" />
        <p class="hint">{t("centre.map.drill_hint")}</p>
      </div>
    </section>
  );
}
