/**
 * The transparency portal's quality per district (GET /api/v1/public/quality/districts): the mean of the block
 * quality scores of each district, for every service or one service or group, as a table sortable by any column and
 * a map of the districts filled on the colour-blind-safe scale of web/ui/quality-scale.ts, with the method said in
 * plain words and a link to its full text. Aggregates only: no block, no answer and no person is ever in it, and a
 * district with too few scored blocks shows no score (the server decides). Read when it comes near the screen.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { type Area, useAreaMap } from "../ui/area-map.ts";
import { inBase } from "../ui/base.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { NO_SCORE_COLOUR, QUALITY_CLASSES, qualityClassOf, qualityColourOf } from "../ui/quality-scale.ts";
import type { Env } from "./env.ts";
import { pageHref, useNearScreen } from "./transparency-data.ts";

/** A district's figure, as the public API answers it. */
interface DistrictQuality {
  district: { code: string; name: string };
  score: number | null;
  blocks: number;
  evidence: number;
}

interface Option {
  code: string;
  name: string;
}

/** The rows shown before "show all": a city has about a hundred districts. */
const FIRST_ROWS = 25;

/** The columns of the table, in order; the first is the district's name. */
const COLUMNS = ["district", "score", "blocks", "evidence"] as const;
type Column = (typeof COLUMNS)[number];

/**
 * The legend's layout and its swatches, set as properties (the portal's stylesheet is its entry's, and the page's
 * CSP allows no inline style markup; properties set from script are allowed).
 */
const LEGEND = { display: "flex", flexWrap: "wrap", gap: "0.25rem 1rem", listStyle: "none", padding: 0 };
const SWATCH = {
  display: "inline-block",
  width: "1.25rem",
  height: "1rem",
  border: "1px solid #1f2937",
  marginRight: "0.375rem",
};

/** The address of the method's full text (docs/quality-scores.md in the published source). */
const METHOD_URL = "/codigo-fonte";

function cellOf(row: DistrictQuality, column: Column): number | string | null {
  return column === "district" ? row.district.name : row[column];
}

/** The quality section of the transparency index page. */
export function QualitySection(props: { env: Env }) {
  const { env } = props;
  const { t, locale } = env;
  const [section, near] = useNearScreen();
  const [filter, setFilter] = useState("");
  const [lists, setLists] = useState<{ services: Option[]; groups: Option[] }>({ services: [], groups: [] });
  const [rows, setRows] = useState<DistrictQuality[] | null>(null);
  const [minBlocks, setMinBlocks] = useState<number | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [sort, setSort] = useState<{ column: Column; descending: boolean }>({
    column: "score",
    descending: false,
  });
  const [shapes, setShapes] = useState<GeoJSON.FeatureCollection | null>(null);
  const [all, setAll] = useState(false);
  const element = useRef<HTMLDivElement>(null);
  const map = useAreaMap(element, near ? { boot: env.boot, label: t("portal.quality.map_label") } : null);

  useEffect(() => {
    if (!near) return;
    const byName = (list: Option[]) => [...list].sort((a, b) => a.name.localeCompare(b.name, locale));
    Promise.all([
      api<Option[]>("/api/v1/services?limit=1000", {}, locale).catch(() => []),
      api<Option[]>("/api/v1/service-groups", {}, locale).catch(() => []),
    ]).then(([services, groups]) => setLists({ services: byName(services), groups: byName(groups) }));
    fetch(inBase("/api/v1/districts.geojson"))
      .then((r) => r.json() as Promise<GeoJSON.FeatureCollection>)
      .then(setShapes)
      .catch(() => setShapes(null));
  }, [near, locale]);

  useEffect(() => {
    if (!near) return;
    let cancelled = false;
    setRows(null);
    const query = filter ? `?${filter}` : "";
    api<{ items: DistrictQuality[]; minBlocks?: number }>(
      `/api/v1/public/quality/districts${query}`,
      {},
      locale,
    )
      .then((r) => {
        if (cancelled) return;
        setProblem(null);
        setRows(r.items);
        setMinBlocks(r.minBlocks ?? null);
      })
      .catch((e) => !cancelled && setProblem(e instanceof ApiProblem ? e : null));
    return () => {
      cancelled = true;
    };
  }, [near, filter, locale]);

  useEffect(() => {
    if (!map || !shapes || !rows) return;
    const byCode = new Map(rows.map((r) => [r.district.code, r]));
    map.setAreas(
      shapes.features.map((f): Area => {
        const code = String(f.properties?.code ?? "");
        const row = byCode.get(code);
        const name = String(f.properties?.name ?? code);
        return {
          id: code,
          geometry: f.geometry,
          fill: qualityColourOf(row?.score),
          stroke: "#0b4ea2",
          label: `${name}: ${scoreText(row)}`,
        };
      }),
    );
  }, [map, shapes, rows]);

  const scoreText = (row: DistrictQuality | undefined) =>
    typeof row?.score === "number"
      ? t("portal.quality.score_class", {
          score: Math.round(row.score),
          class: t(`portal.quality.classes.${qualityClassOf(row.score).key}`),
        })
      : t("portal.quality.no_score");
  const sorted = [...(rows ?? [])].sort((a, b) => {
    const x = cellOf(a, sort.column);
    const y = cellOf(b, sort.column);
    const sign = sort.descending ? -1 : 1;
    // Districts without a score go last whichever way the column is sorted.
    if (x === null || y === null)
      return x === y ? a.district.name.localeCompare(b.district.name, locale) : x === null ? 1 : -1;
    if (typeof x === "string" || typeof y === "string")
      return String(x).localeCompare(String(y), locale) * sign;
    return (x - y) * sign || a.district.name.localeCompare(b.district.name, locale);
  });
  // A new column sorts names A–Z, scores worst first (where to look), counts largest first.
  const pick = (column: Column) =>
    setSort((s) => ({
      column,
      descending: s.column === column ? !s.descending : column === "blocks" || column === "evidence",
    }));

  return (
    <section aria-labelledby="transparency-quality" ref={section}>
      <h2 id="transparency-quality">{t("portal.quality.title")}</h2>
      <p>{t("portal.quality.intro")}</p>
      <details>
        <summary>{t("portal.quality.method_title")}</summary>
        <p>{t("portal.quality.method")}</p>
        <p>
          {minBlocks !== null ? t("portal.quality.minimum", { count: minBlocks }) : null}{" "}
          <a href={inBase(METHOD_URL)}>{t("portal.quality.method_link")}</a>
        </p>
      </details>
      <p>
        <label for="transparency-quality-filter">{t("portal.quality.filter")}</label>{" "}
        <select
          id="transparency-quality-filter"
          value={filter}
          onChange={(e) => setFilter((e.target as HTMLSelectElement).value)}
        >
          <option value="">{t("portal.quality.all_services")}</option>
          <optgroup label={t("portal.quality.groups")}>
            {lists.groups.map((g) => (
              <option key={`g-${g.code}`} value={`group=${encodeURIComponent(g.code)}`}>
                {g.name}
              </option>
            ))}
          </optgroup>
          <optgroup label={t("portal.quality.services")}>
            {lists.services.map((s) => (
              <option key={`s-${s.code}`} value={`service=${encodeURIComponent(s.code)}`}>
                {s.name}
              </option>
            ))}
          </optgroup>
        </select>
      </p>
      {problem ? <ProblemAlert problem={problem} t={t} /> : null}
      <ul class="quality-legend" style={LEGEND} aria-label={t("portal.quality.legend")}>
        {QUALITY_CLASSES.map((c) => (
          <li key={c.key}>
            <span style={{ ...SWATCH, background: c.colour }} aria-hidden="true" />
            {t(`portal.quality.classes.${c.key}`)} ({c.min}–{c.max})
          </li>
        ))}
        <li>
          <span style={{ ...SWATCH, background: NO_SCORE_COLOUR }} aria-hidden="true" />
          {t("portal.quality.no_score")}
        </li>
      </ul>
      <div ref={element} class="map transparency-map" />
      {rows === null && !problem ? <p>{t("ui.loading")}</p> : null}
      {rows && rows.length === 0 ? <p>{t("portal.quality.empty")}</p> : null}
      {rows && rows.length > 0 ? (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a table wider than a phone scrolls, and keyboards must reach it.
        <section class="table-scroll" aria-labelledby="transparency-quality-caption" tabIndex={0}>
          <table class="ranking quality-table">
            <caption id="transparency-quality-caption">
              {t("portal.quality.caption", { count: rows.length })}
            </caption>
            <thead>
              <tr>
                {COLUMNS.map((column) => (
                  <th
                    key={column}
                    scope="col"
                    aria-sort={
                      sort.column === column ? (sort.descending ? "descending" : "ascending") : undefined
                    }
                  >
                    <button type="button" class="sort" onClick={() => pick(column)}>
                      {t(`portal.quality.columns.${column}`)}
                      <span aria-hidden="true">
                        {sort.column === column ? (sort.descending ? " ▼" : " ▲") : ""}
                      </span>
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {(all ? sorted : sorted.slice(0, FIRST_ROWS)).map((row) => (
                <tr key={row.district.code} data-code={row.district.code}>
                  <th scope="row">
                    <a href={pageHref("district", row.district.code, locale)} data-nav>
                      {row.district.name}
                    </a>
                  </th>
                  <td data-value={row.score ?? ""}>{scoreText(row)}</td>
                  <td>{row.blocks}</td>
                  <td>{row.evidence}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      {rows && rows.length > FIRST_ROWS && !all ? (
        <button type="button" onClick={() => setAll(true)}>
          {t("portal.quality.show_all", { count: rows.length })}
        </button>
      ) : null}
    </section>
  );
}
