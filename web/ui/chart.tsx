/**
 * Charts people read at a glance, shared by the command centre and the transparency portal: lines or areas over time
 * and bars by category, drawn on a canvas by uPlot (decision 0051). uPlot is fetched the first time a chart shows
 * (a dynamic import: no first screen carries it). Every chart also gives its numbers as a table under a disclosure,
 * so screen readers and people who want the figures read them; the colours come from CSS custom properties
 * (`--chart-1` … `--chart-6` and `--chart-grid` in chart.css), so a dark wall screen only changes those.
 *
 * Props API (kept stable, the portal uses it too):
 * - `kind`: "line" | "area" | "bars".
 * - `title`: the chart's name (its caption and the table's caption).
 * - `categories`: the x axis, one label per point, already in the reader's words ("14h", "05/12", "SMSUB").
 * - `series`: `{ label, values, previous? }[]`, `values` one per category (null: no value). A `previous` series is
 *   the comparison period: drawn dashed (lines) or paler (bars) in the colour of the series just before it.
 *   Bars take one series, or two side by side (the period and its comparison).
 * - `format`: a value as people read it (ticks, table); by default the locale's number.
 * - `locale`, `emptyText` (shown instead of an empty chart), `tableLabel` (the disclosure's summary).
 * - `height` in CSS pixels (default 220); `whole`: the values are counts (ticks at whole steps only).
 * - `onPick(index)`: makes each category a drill-down: a click on the plot picks the category under the cursor, and
 *   the table's first column becomes buttons; `pickLabel(index)` names each button.
 */
import "uplot/dist/uPlot.min.css";
import "./chart.css";
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type uPlot from "uplot";

/** One series of a chart: a name and one value per category. */
export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  /** The comparison period: drawn dashed or paler, in the colour of the series just before it. */
  previous?: boolean;
}

/** A chart's props (see the file's comment). */
export interface ChartProps {
  kind: "line" | "area" | "bars";
  title: string;
  categories: string[];
  series: ChartSeries[];
  locale: string;
  emptyText: string;
  tableLabel: string;
  format?: (value: number) => string;
  height?: number;
  /** The values are counts: the value axis ticks at whole steps only. */
  whole?: boolean;
  onPick?: (index: number) => void;
  pickLabel?: (index: number) => string;
}

type UPlotClass = typeof uPlot;
let library: Promise<UPlotClass> | undefined;
/** uPlot, fetched once, the first time a chart draws (its ESM build exports the class as default). */
function loadUPlot(): Promise<UPlotClass> {
  library ??= import("uplot").then(
    (m) => ((m as unknown as { default?: UPlotClass }).default ?? m) as UPlotClass,
  );
  return library;
}

const COLOURS = 6;
/** Tick steps of an axis of whole numbers. */
const WHOLE_STEPS = [
  1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1e3, 2e3, 2.5e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6,
];

/** The chart's colours as the page's CSS sets them where it stands (a dark wall screen sets its own). */
function paletteOf(element: Element): { colours: string[]; grid: string; text: string } {
  const style = getComputedStyle(element);
  const colours = Array.from(
    { length: COLOURS },
    (_, i) => style.getPropertyValue(`--chart-${i + 1}`).trim() || "#0b4ea2",
  );
  return {
    colours,
    grid: style.getPropertyValue("--chart-grid").trim() || "rgba(0,0,0,0.15)",
    text: style.color || "#1b1b1b",
  };
}

/** Every `step`-th index, so that the x labels do not overlap on a narrow chart. */
function xSplits(count: number, width: number): number[] {
  const fits = Math.max(2, Math.floor(width / 64));
  const step = Math.max(1, Math.ceil(count / fits));
  return Array.from({ length: count }, (_, i) => i).filter((i) => i % step === 0);
}

function optionsOf(
  props: ChartProps,
  width: number,
  palette: ReturnType<typeof paletteOf>,
  lib: UPlotClass,
): uPlot.Options {
  const { kind, categories, series } = props;
  const n = categories.length;
  const format = props.format ?? ((v: number) => v.toLocaleString(props.locale));
  const colourIndex: number[] = [];
  series.forEach((s, i) => {
    colourIndex.push(s.previous && i > 0 ? colourIndex[i - 1]! : (colourIndex.at(-1) ?? -1) + 1);
  });
  const bars = kind === "bars";
  const whole = props.whole === true;
  const pairBars = bars && series.length === 2;
  const axis: uPlot.Axis = {
    stroke: palette.text,
    grid: { stroke: palette.grid, width: 1 },
    ticks: { stroke: palette.grid, width: 1 },
    font: "12px system-ui, sans-serif",
  };
  return {
    width,
    height: props.height ?? 220,
    legend: { show: false },
    cursor: { y: false, points: { show: !bars }, drag: { x: false, y: false } },
    scales: {
      x: { time: false, range: () => (bars || n < 2 ? [-0.5, n - 0.5] : [0, n - 1]) },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
    },
    axes: [
      {
        ...axis,
        grid: { show: false },
        splits: () => xSplits(n, width),
        values: (_u, splits) => splits.map((i) => categories[i] ?? ""),
      },
      {
        ...axis,
        size: 64,
        // Counts are whole: ticks at whole steps, never "0, 0, 1, 1" from fractional ones.
        ...(whole ? { incrs: WHOLE_STEPS } : {}),
        values: (_u, splits) => splits.map((v) => format(v)),
      },
    ],
    series: [
      {},
      ...series.map((s, i): uPlot.Series => {
        const colour = palette.colours[colourIndex[i]! % COLOURS]!;
        if (bars) {
          return {
            label: s.label,
            stroke: colour,
            fill: s.previous ? `${colour}66` : colour,
            width: 0,
            paths: lib.paths.bars!({
              size: [pairBars ? 0.4 : 0.7, 80],
              align: pairBars ? (i === 0 ? -1 : 1) : 0,
            }),
            points: { show: false },
          };
        }
        return {
          label: s.label,
          stroke: colour,
          width: s.previous ? 1.5 : 2.5,
          dash: s.previous ? [6, 4] : undefined,
          fill: kind === "area" && !s.previous ? `${colour}33` : undefined,
          spanGaps: false,
          // A sparse series (a few days with data) would be invisible as a line: its points show.
          points: { show: n <= 2 || s.values.filter((v) => v !== null).length <= n / 3, size: 6 },
        };
      }),
    ],
  };
}

/** A chart with its legend and its numbers (see the file's comment for the props). */
export function Chart(props: ChartProps): JSX.Element {
  const { categories, series, title } = props;
  const figure = useRef<HTMLElement>(null);
  const plot = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [drawn, setDrawn] = useState(false);
  const format = props.format ?? ((v: number) => v.toLocaleString(props.locale));
  const points = series.reduce((sum, s) => sum + s.values.filter((v) => v !== null).length, 0);
  const empty = categories.length === 0 || points === 0;
  const pick = useRef(props.onPick);
  pick.current = props.onPick;

  useEffect(() => {
    const element = plot.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setWidth(Math.floor(element.clientWidth)));
    observer.observe(element);
    setWidth(Math.floor(element.clientWidth));
    return () => observer.disconnect();
  }, [empty]);

  useEffect(() => {
    const element = plot.current;
    if (!element || empty || width < 50) return;
    let chart: uPlot | undefined;
    let gone = false;
    void loadUPlot().then((lib) => {
      if (gone) return;
      const palette = paletteOf(figure.current ?? element);
      const data: uPlot.AlignedData = [
        categories.map((_, i) => i),
        ...series.map((s) => categories.map((_, i) => s.values[i] ?? null)),
      ];
      element.textContent = "";
      const drawnChart = new lib(optionsOf(props, width, palette, lib), data, element);
      chart = drawnChart;
      drawnChart.over.addEventListener("click", () => {
        const index = drawnChart.cursor.idx;
        if (index !== null && index !== undefined) pick.current?.(index);
      });
      setDrawn(true);
    });
    return () => {
      gone = true;
      chart?.destroy();
    };
  }, [width, empty, JSON.stringify([props.kind, categories, series, props.height])]);

  const colourIndex: number[] = [];
  series.forEach((s, i) => {
    colourIndex.push(s.previous && i > 0 ? colourIndex[i - 1]! : (colourIndex.at(-1) ?? -1) + 1);
  });
  return (
    <figure
      ref={figure}
      class={props.onPick ? "chart chart-pickable" : "chart"}
      data-kind={props.kind}
      data-points={points}
      data-drawn={drawn && !empty ? "true" : "false"}
    >
      <figcaption>{title}</figcaption>
      {empty ? (
        <p class="hint">{props.emptyText}</p>
      ) : (
        <>
          <ul class="chart-legend">
            {series.map((s, i) => (
              <li key={s.label}>
                <span
                  class={s.previous ? "chart-swatch previous" : "chart-swatch"}
                  style={{ "--swatch": `var(--chart-${(colourIndex[i]! % COLOURS) + 1})` }}
                  aria-hidden="true"
                />
                {s.label}
              </li>
            ))}
          </ul>
          <div
            ref={plot}
            class="chart-plot"
            aria-hidden="true"
            style={{ minHeight: `${props.height ?? 220}px` }}
          />
          <details class="chart-table">
            <summary>{props.tableLabel}</summary>
            <table>
              <caption>{title}</caption>
              <thead>
                <tr>
                  <td />
                  {series.map((s) => (
                    <th key={s.label} scope="col">
                      {s.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {categories.map((c, i) => (
                  <tr key={c}>
                    <th scope="row">
                      {props.onPick ? (
                        <button
                          type="button"
                          class="link"
                          aria-label={props.pickLabel?.(i)}
                          onClick={() => props.onPick?.(i)}
                        >
                          {c}
                        </button>
                      ) : (
                        c
                      )}
                    </th>
                    {series.map((s) => {
                      const v = s.values[i];
                      return <td key={s.label}>{v === null || v === undefined ? "–" : format(v)}</td>;
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </figure>
  );
}
