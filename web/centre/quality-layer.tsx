/**
 * The centre map's "quality by block" layer: the fiscal blocks of the visible box (GET /api/v1/block-scores) filled
 * by their score on a colour-blind-safe scale (web/ui/quality-scale.ts) with a legend, for the centre's service or
 * service group filter; each block's tooltip says its score and evidence in words. Zoomed out too far it asks to come
 * closer instead of loading. A block clicked (or focused and picked with Enter) opens its evidence (block-evidence.tsx).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { type Area, type MapView, useAreaMap } from "../ui/area-map.ts";
import type { Boot } from "../ui/boot.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { NO_SCORE_COLOUR, QUALITY_CLASSES, qualityClassOf, qualityColourOf } from "../ui/quality-scale.ts";
import type { StaffEnv } from "../ui/staff.tsx";
import { BlockEvidence } from "./block-evidence.tsx";
import type { Selection } from "./selection.ts";

/** Below this zoom a box holds too many blocks to draw: the layer asks to come closer (the server caps it too). */
export const QUALITY_MIN_ZOOM = 15;

/** A block of the layer, as GET /api/v1/block-scores answers it. */
export interface ScoredBlock {
  type: "Feature";
  geometry: unknown;
  properties: {
    blockId: number;
    sector: string;
    block: string;
    score: number | null;
    evidence: number;
    confidence?: "low" | "medium" | "high";
    service: string | null;
  };
}

/** The query of the layer's service or group: the centre's filter (a service wins over its group). */
export function scoreFilterOf(selection: Selection): string {
  const { service, serviceGroup } = selection.filters;
  if (service) return `&service=${encodeURIComponent(service)}`;
  if (serviceGroup) return `&group=${encodeURIComponent(serviceGroup)}`;
  return "";
}

/** The text of a block: its sector and block number, score and class in words, evidence. */
export function blockLabel(env: StaffEnv, p: ScoredBlock["properties"]): string {
  const name = env.t("centre.quality.block", { sector: p.sector, block: p.block });
  if (typeof p.score !== "number") return `${name}: ${env.t("centre.quality.no_score")}`;
  return env.t("centre.quality.block_score", {
    name,
    score: Math.round(p.score),
    class: env.t(`centre.quality.classes.${qualityClassOf(p.score).key}`),
    count: p.evidence,
  });
}

/** The legend: each class's colour beside its words and range. */
export function QualityLegend(props: { env: StaffEnv }) {
  const { t } = props.env;
  return (
    <ul class="quality-legend" aria-label={t("centre.quality.legend")}>
      {QUALITY_CLASSES.map((c) => (
        <li key={c.key}>
          <span class="quality-swatch" style={{ background: c.colour }} aria-hidden="true" />
          {t(`centre.quality.classes.${c.key}`)} ({c.min}–{c.max})
        </li>
      ))}
      <li>
        <span class="quality-swatch" style={{ background: NO_SCORE_COLOUR }} aria-hidden="true" />
        {t("centre.quality.no_score")}
      </li>
    </ul>
  );
}

/** The layer: its own map (opening where the demands' map was), legend, status and the evidence of a block picked. */
export function QualityLayer(props: {
  env: StaffEnv;
  boot: Boot;
  selection: Selection;
  tick: number;
  view?: MapView;
}) {
  const { env, selection, tick } = props;
  const { t, locale } = env;
  const element = useRef<HTMLDivElement>(null);
  const [moved, setMoved] = useState(0);
  const [picked, setPicked] = useState<number | null>(null);
  const map = useAreaMap(element, {
    boot: props.boot,
    label: t("centre.quality.map_label"),
    ...(props.view ? { view: { ...props.view, zoom: Math.max(props.view.zoom, QUALITY_MIN_ZOOM) } } : {}),
    onMove: () => setMoved((n) => n + 1),
    onArea: (id) => setPicked(Number(id)),
  });
  const [blocks, setBlocks] = useState<ScoredBlock[] | null>(null);
  const [far, setFar] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const filter = scoreFilterOf(selection);
  useEffect(() => {
    if (!map) return;
    if (map.zoom() < QUALITY_MIN_ZOOM) {
      setFar(true);
      setBlocks(null);
      return;
    }
    let cancelled = false;
    const bbox = map
      .bounds()
      .map((n) => n.toFixed(5))
      .join(",");
    api<{ features: ScoredBlock[] }>(
      `/api/v1/block-scores?bbox=${bbox}${filter}`,
      { cache: "no-store" },
      locale,
    )
      .then((r) => {
        if (cancelled) return;
        setFar(false);
        setProblem(null);
        setBlocks(r.features);
      })
      .catch((e) => {
        if (cancelled) return;
        // The server's own cap on the box: the same answer as zoomed out.
        if (e instanceof ApiProblem && e.status === 422) {
          setFar(true);
          setBlocks(null);
        } else setProblem(e instanceof ApiProblem ? e : null);
      });
    return () => {
      cancelled = true;
    };
  }, [map, moved, tick, locale, filter]);
  useEffect(() => {
    map?.setAreas(
      (blocks ?? []).map(
        (f): Area => ({
          id: String(f.properties.blockId),
          geometry: f.geometry,
          fill: qualityColourOf(f.properties.score),
          label: blockLabel(env, f.properties),
          strong: f.properties.blockId === picked,
        }),
      ),
    );
  }, [map, blocks, picked]);
  const scored = (blocks ?? []).filter((b) => typeof b.properties.score === "number");
  return (
    <div class="quality-layer">
      <ProblemAlert problem={problem} t={t} />
      <QualityLegend env={env} />
      <p class="map-total" role="status" data-blocks={blocks ? scored.length : ""} data-far={far}>
        {far
          ? t("centre.quality.zoom_in")
          : blocks
            ? t("centre.quality.total", { count: scored.length })
            : t("ui.loading")}
      </p>
      <div ref={element} class="map centre-map" />
      <p class="hint">{t("centre.quality.hint")}</p>
      {picked !== null ? (
        <BlockEvidence env={env} blockId={picked} tick={tick} onClose={() => setPicked(null)} />
      ) : null}
    </div>
  );
}
