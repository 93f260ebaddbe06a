/**
 * The index of the transparency pages: every district, service or department with its figures of the last 12
 * months (volume, on-time share, time to resolve, solved share, satisfaction), one request per figure grouped by
 * the dimension; a table sortable by any column, each name a link to its page. Read when it comes near the screen.
 */
import { useEffect, useState } from "preact/hooks";
import { ApiProblem } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import type { Env } from "./env.ts";
import {
  DIMENSIONS,
  type Dimension,
  FIGURES,
  formatValue,
  lastMonths,
  pageHref,
  type Reading,
  readIndicator,
  useNearScreen,
} from "./transparency-data.ts";

/** The rows shown before "show all": a city has hundreds of services. */
const FIRST_ROWS = 25;

interface Line {
  code: string;
  name: string;
  values: Array<number | null>;
}

/** The figures of every district, service or department, by code. */
function useRanking(dimension: Dimension | null, env: Env) {
  const [readings, setReadings] = useState<Reading[] | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  useEffect(() => {
    if (!dimension) return;
    let cancelled = false;
    setReadings(null);
    const { from, to } = lastMonths(env.boot.timeZone);
    Promise.all(
      FIGURES.map((f) => readIndicator(f.id, `from=${from}&to=${to}&groupBy=${dimension}`, env.locale)),
    )
      .then((r) => {
        if (!cancelled) setReadings(r);
      })
      .catch((e) => setProblem(e instanceof ApiProblem ? e : null));
    return () => {
      cancelled = true;
    };
  }, [dimension, env.locale]);
  if (!dimension || !readings) return { lines: null, readings, problem };
  const byCode = new Map<string, Line>();
  readings.forEach((reading, i) => {
    for (const row of reading.rows) {
      const code = row.key[dimension];
      if (!code) continue;
      let line = byCode.get(code);
      if (!line) {
        line = { code, name: reading.labels[dimension]?.[code] ?? code, values: FIGURES.map(() => null) };
        byCode.set(code, line);
      }
      line.values[i] = row.values[FIGURES[i]!.value] ?? null;
    }
  });
  return { lines: [...byCode.values()], readings, problem };
}

/** The ranking section of the index page. */
export function Ranking(props: { env: Env }) {
  const { env } = props;
  const { t, locale } = env;
  const [section, near] = useNearScreen();
  const [dimension, setDimension] = useState<Dimension>("district");
  // Sorted by on-time share, best first, until the reader picks another column.
  const [sort, setSort] = useState<{ column: number; descending: boolean }>({ column: 2, descending: true });
  const [all, setAll] = useState(false);
  const { lines, readings, problem } = useRanking(near ? dimension : null, env);

  const sorted = [...(lines ?? [])].sort((a, b) => {
    if (sort.column === 0) return a.name.localeCompare(b.name, locale) * (sort.descending ? -1 : 1);
    const x = a.values[sort.column - 1] ?? null;
    const y = b.values[sort.column - 1] ?? null;
    // Lines without a value go last whichever way the column is sorted.
    if (x === null || y === null) return x === y ? a.name.localeCompare(b.name, locale) : x === null ? 1 : -1;
    return (x - y) * (sort.descending ? -1 : 1) || a.name.localeCompare(b.name, locale);
  });
  const shown = all ? sorted : sorted.slice(0, FIRST_ROWS);
  const headers = [t(`portal.transparency.ranking.${dimension}`), ...(readings ?? []).map((r) => r.title)];
  const pick = (column: number) =>
    setSort((s) => ({ column, descending: s.column === column ? !s.descending : column !== 0 }));

  return (
    <section aria-labelledby="transparency-ranking" ref={section}>
      <h2 id="transparency-ranking">{t("portal.transparency.ranking.title")}</h2>
      <p>{t("portal.transparency.ranking.intro")}</p>
      <fieldset class="row choose-dimension">
        <legend>{t("portal.transparency.ranking.choose")}</legend>
        {DIMENSIONS.map((d) => (
          <button
            key={d}
            type="button"
            class={d === dimension ? "" : "secondary"}
            aria-pressed={d === dimension}
            onClick={() => {
              setDimension(d);
              setAll(false);
            }}
          >
            {t(`portal.transparency.ranking.by_${d}`)}
          </button>
        ))}
      </fieldset>
      {problem ? <ProblemAlert problem={problem} t={t} /> : null}
      {lines === null ? (
        <p>{t("ui.loading")}</p>
      ) : lines.length === 0 ? (
        <p>{t("portal.transparency.ranking.empty")}</p>
      ) : (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a table wider than a phone scrolls, and keyboards must reach it.
        <section class="table-scroll" aria-labelledby="transparency-ranking-caption" tabIndex={0}>
          <table class="ranking" data-dimension={dimension}>
            <caption id="transparency-ranking-caption">
              {t(`portal.transparency.ranking.caption_${dimension}`, { count: lines.length })}
            </caption>
            <thead>
              <tr>
                {headers.map((h, column) => (
                  <th
                    key={h}
                    scope="col"
                    aria-sort={
                      sort.column === column ? (sort.descending ? "descending" : "ascending") : undefined
                    }
                  >
                    <button type="button" class="sort" onClick={() => pick(column)}>
                      {h}
                      <span aria-hidden="true">
                        {sort.column === column ? (sort.descending ? " ▼" : " ▲") : ""}
                      </span>
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {shown.map((line) => (
                <tr key={line.code} data-code={line.code}>
                  <th scope="row">
                    <a href={pageHref(dimension, line.code, locale)} data-nav>
                      {line.name}
                    </a>
                  </th>
                  {line.values.map((v, i) => (
                    <td key={FIGURES[i]!.id} data-value={v ?? ""}>
                      {formatValue(readings![i]!.unit, v, env)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {lines && lines.length > FIRST_ROWS && !all ? (
        <button type="button" onClick={() => setAll(true)}>
          {t("portal.transparency.ranking.show_all", { count: lines.length })}
        </button>
      ) : null}
    </section>
  );
}
