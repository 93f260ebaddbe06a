/**
 * The centre's "Fiscalização" screen (/centro/fiscalizacao): a manager picks a day and an area, asks where the data
 * says to look (POST /api/v1/inspection-routes/suggestions: open demands, late orders, low scores), sees the
 * suggestions in a list with their reasons and on the map of blocks (dashed), adds them or any block by hand (a
 * click on the map), picks the questionnaire per visit and the inspector, and saves the route (planning-draft.tsx).
 * Under it, the day's routes with their visits' states, to change or cancel (planning-routes.tsx).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { type Area, useAreaMap } from "../ui/area-map.ts";
import { inBase } from "../ui/base.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { asProblem, useLoad } from "../ui/load.ts";
import type { LatLon } from "../ui/map.ts";
import { qualityColourOf } from "../ui/quality-scale.ts";
import { type StaffEnv, send } from "../ui/staff.tsx";
import { useFilterLists } from "./filters.tsx";
import {
  addVisit,
  blockName,
  type Draft,
  draftOf,
  type InspectionRoute,
  type Suggestion,
  todayIn,
  usePlanningLists,
} from "./planning-data.ts";
import { DraftForm } from "./planning-draft.tsx";
import { DayRoutes } from "./planning-routes.tsx";
import { blockLabel, QUALITY_MIN_ZOOM, type ScoredBlock } from "./quality-layer.tsx";

/** Suggestions asked for by default, and at most (the server's cap). */
const DEFAULT_COUNT = 10;
const MAX_COUNT = 200;

let districtShapes: Promise<GeoJSON.FeatureCollection> | undefined;
/** The districts' outlines (the maps' own cached read), to bring the area asked about into view. */
function readDistrictShapes(): Promise<GeoJSON.FeatureCollection> {
  districtShapes ??= fetch(inBase("/api/v1/districts.geojson")).then(
    (r) => r.json() as Promise<GeoJSON.FeatureCollection>,
  );
  return districtShapes;
}

/** The map of blocks: scored blocks in view, the draft's drawn thick, the suggested ones dashed; a click adds. */
function PlanningMap(props: {
  env: StaffEnv;
  draft: Draft;
  suggestions: Suggestion[];
  focus: unknown[];
  onAdd: (block: ScoredBlock["properties"] | { blockId: number }) => void;
}) {
  const { env, draft, suggestions } = props;
  const { t, locale } = env;
  const element = useRef<HTMLDivElement>(null);
  const [moved, setMoved] = useState(0);
  const [blocks, setBlocks] = useState<ScoredBlock[] | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const map = useAreaMap(element, {
    boot: env.boot,
    label: t("centre.planning.map_label"),
    onMove: () => setMoved((n) => n + 1),
    onArea: (id) => {
      const found = blocks?.find((b) => String(b.properties.blockId) === id);
      props.onAdd(found ? found.properties : { blockId: Number(id) });
    },
    onPoint: (point: LatLon) => {
      // A block with no score is not drawn: where the click fell names it.
      api<{ blockId: number | null }>(`/api/v1/places?lat=${point.lat}&lon=${point.lon}`, {}, locale)
        .then((place) => (place.blockId ? props.onAdd({ blockId: place.blockId }) : undefined))
        .catch((e) => setProblem(asProblem(e)));
    },
  });
  useEffect(() => map?.fit(props.focus), [map, props.focus]);
  useEffect(() => {
    if (!map) return;
    if (map.zoom() < QUALITY_MIN_ZOOM) {
      setBlocks(null);
      return;
    }
    let cancelled = false;
    const bbox = map
      .bounds()
      .map((n) => n.toFixed(5))
      .join(",");
    api<{ features: ScoredBlock[] }>(`/api/v1/block-scores?bbox=${bbox}`, {}, locale)
      .then((r) => !cancelled && setBlocks(r.features))
      .catch(() => !cancelled && setBlocks(null));
    return () => {
      cancelled = true;
    };
  }, [map, moved, locale]);
  useEffect(() => {
    const planned = new Set(draft.visits.map((v) => v.block.id));
    const suggested = new Set(suggestions.map((s) => s.block.id));
    map?.setAreas(
      (blocks ?? []).map(
        (b): Area => ({
          id: String(b.properties.blockId),
          geometry: b.geometry,
          fill: qualityColourOf(b.properties.score),
          strong: planned.has(b.properties.blockId),
          dashed: suggested.has(b.properties.blockId),
          label: `${blockLabel(env, b.properties)}${
            planned.has(b.properties.blockId)
              ? ` · ${t("centre.planning.planned")}`
              : suggested.has(b.properties.blockId)
                ? ` · ${t("centre.planning.suggested")}`
                : ""
          }`,
        }),
      ),
    );
  }, [map, blocks, draft, suggestions]);
  return (
    <section aria-labelledby="planning-map">
      <h2 id="planning-map">{t("centre.planning.map_title")}</h2>
      <ProblemAlert problem={problem} t={t} />
      <p role="status" class="map-total" data-blocks={blocks ? blocks.length : ""}>
        {blocks ? t("centre.planning.map_blocks", { count: blocks.length }) : t("centre.quality.zoom_in")}
      </p>
      <div ref={element} class="map centre-map" />
      <p class="hint">{t("centre.planning.map_hint")}</p>
    </section>
  );
}

/** The Fiscalização screen. */
export function PlanningScreen(props: { env: StaffEnv }) {
  const { env } = props;
  const lists = useFilterLists(env.locale);
  const { t, locale } = env;
  const canManage = env.can("inspections.manage");
  const { questionnaires, inspectors } = usePlanningLists(env);
  const [day, setDay] = useState(() => todayIn(env.boot.timeZone));
  const [area, setArea] = useState({ district: "", subprefeitura: "" });
  const [count, setCount] = useState(DEFAULT_COUNT);
  const [suggestions, setSuggestions] = useState<Suggestion[] | null>(null);
  const [focus, setFocus] = useState<unknown[]>([]);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [said, setSaid] = useState("");
  const empty = (on: string): Draft => ({ routeId: null, inspectorId: null, day: on, note: "", visits: [] });
  const [draft, setDraft] = useState<Draft>(() => empty(day));
  const [routes, routesProblem, reloadRoutes] = useLoad<{ items: InspectionRoute[] }>(
    `/api/v1/inspection-routes?day=${day}`,
    locale,
  );
  const suggest = async (event: Event) => {
    event.preventDefault();
    setProblem(null);
    try {
      const where = area.district
        ? { district: area.district }
        : area.subprefeitura
          ? { subprefeitura: area.subprefeitura }
          : {};
      const r = await send<{ items: Suggestion[] }>(
        "/api/v1/inspection-routes/suggestions",
        { day, ...where, count },
        locale,
      );
      setSuggestions(r.items);
      setSaid(t("centre.planning.suggested_count", { count: r.items.length }));
      const shapes = await readDistrictShapes().catch(() => null);
      const subName = lists.subprefeituras.find((s) => s.code === area.subprefeitura)?.name;
      const chosen = (shapes?.features ?? []).filter((f) =>
        area.district
          ? f.properties?.code === area.district
          : subName && f.properties?.subprefeitura === subName,
      );
      if (chosen.length > 0) setFocus(chosen.map((f) => f.geometry));
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e : asProblem(e));
    }
  };
  const add = (block: Draft["visits"][number]["block"], reason = "manual") => {
    setDraft((d) => addVisit(d, { block, questionnaireId: null, reason }));
    setSaid(t("centre.planning.added", { name: blockName(env, block) }));
  };
  return (
    <div class="planning">
      <h1 tabIndex={-1}>{t("centre.planning.title")}</h1>
      <p>{t("centre.planning.intro")}</p>
      <p role="status">{said}</p>
      <form class="centre-filters" onSubmit={suggest} aria-label={t("centre.planning.ask")}>
        <label class="centre-filter">
          {t("centre.planning.day")}
          <input
            type="date"
            name="day"
            required
            value={day}
            onInput={(e) => {
              const value = (e.target as HTMLInputElement).value;
              setDay(value);
              setDraft((d) => (d.routeId === null ? { ...d, day: value } : d));
            }}
          />
        </label>
        <label class="centre-filter">
          {t("centre.filters.district")}
          <select
            name="district"
            value={area.district}
            onChange={(e) => setArea({ district: (e.target as HTMLSelectElement).value, subprefeitura: "" })}
          >
            <option value="">{t("centre.filters.all")}</option>
            {lists.districts.map((d) => (
              <option key={d.code} value={d.code}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <label class="centre-filter">
          {t("centre.filters.subprefeitura")}
          <select
            name="subprefeitura"
            value={area.subprefeitura}
            onChange={(e) => setArea({ district: "", subprefeitura: (e.target as HTMLSelectElement).value })}
          >
            <option value="">{t("centre.filters.all")}</option>
            {lists.subprefeituras.map((s) => (
              <option key={s.code} value={s.code}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label class="centre-filter">
          {t("centre.planning.count")}
          <input
            type="number"
            name="count"
            min={1}
            max={MAX_COUNT}
            value={count}
            onInput={(e) => setCount(Number((e.target as HTMLInputElement).value) || DEFAULT_COUNT)}
          />
        </label>
        <button type="submit">{t("centre.planning.suggest")}</button>
      </form>
      <ProblemAlert problem={problem} t={t} />
      {suggestions ? (
        <section aria-labelledby="planning-suggestions">
          <h2 id="planning-suggestions">{t("centre.planning.suggestions")}</h2>
          {suggestions.length === 0 ? <p>{t("centre.planning.no_suggestions")}</p> : null}
          <ol class="planning-suggestions">
            {suggestions.map((s) => {
              const name = blockName(env, s.block);
              const planned = draft.visits.some((v) => v.block.id === s.block.id);
              return (
                <li key={s.block.id} data-block={s.block.id}>
                  <strong>{name}</strong> · {t(`centre.planning.reasons.${s.reason}`)} ·{" "}
                  {t("centre.planning.evidence", {
                    open: s.evidence.openDemands,
                    late: s.evidence.lateOrders,
                    score: typeof s.evidence.score === "number" ? Math.round(s.evidence.score) : "—",
                  })}{" "}
                  {canManage ? (
                    <button
                      type="button"
                      class="secondary"
                      disabled={planned}
                      // Its name says which block; once planned, its own text says so.
                      aria-label={planned ? undefined : t("centre.planning.add_of", { name })}
                      onClick={() => add(s.block, s.reason)}
                    >
                      {planned ? t("centre.planning.planned") : t("centre.planning.add")}
                    </button>
                  ) : null}
                </li>
              );
            })}
          </ol>
          {canManage && suggestions.length > 0 ? (
            <button
              type="button"
              onClick={() => {
                for (const s of suggestions) add(s.block, s.reason);
              }}
            >
              {t("centre.planning.add_all")}
            </button>
          ) : null}
        </section>
      ) : null}
      <PlanningMap
        env={env}
        draft={draft}
        suggestions={suggestions ?? []}
        focus={focus}
        onAdd={(b) =>
          canManage && "sector" in b
            ? add({ id: b.blockId, sector: b.sector, block: b.block })
            : canManage
              ? add({ id: b.blockId, sector: "", block: "" })
              : undefined
        }
      />
      {canManage ? (
        <DraftForm
          env={env}
          draft={draft}
          questionnaires={questionnaires}
          inspectors={inspectors}
          onChange={setDraft}
          onSaved={(route) => {
            setSaid(t("centre.planning.saved", { name: route.inspector.name, count: route.visits.length }));
            setDraft(empty(day));
            reloadRoutes();
          }}
          onDiscard={() => setDraft(empty(day))}
        />
      ) : null}
      <DayRoutes
        env={env}
        day={day}
        routes={routes?.items ?? null}
        problem={routesProblem}
        canManage={canManage}
        onEdit={(route) => {
          setDraft(draftOf(route));
          document.getElementById("planning-draft")?.scrollIntoView();
        }}
        onChanged={reloadRoutes}
      />
    </div>
  );
}
