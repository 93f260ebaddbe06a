/**
 * Public demands near the citizen: the open-data GeoJSON of the map's bounds (no personal data, points rounded
 * to ~100 m), as dots on the map and as a list that works without the map.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, withLang } from "../ui/i18n.ts";
import { type MapHandle, mountMap } from "../ui/map.ts";
import type { Env } from "./env.ts";

interface Feature {
  id: string;
  geometry: { coordinates: [number, number] } | null;
  properties: {
    protocol: string;
    serviceName: string;
    status: string;
    openedAt: string;
    districtName: string | null;
  };
}

/** How far back the nearby map looks. */
const DAYS = 90;

/** The nearby-demands screen. */
export function NearbyScreen(props: { env: Env }) {
  const { t, locale, boot } = props.env;
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<MapHandle | null>(null);
  const [features, setFeatures] = useState<Feature[] | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);

  useEffect(() => {
    let cancelled = false;
    const load = async () => {
      if (!map.current) return;
      const from = new Date(Date.now() - DAYS * 86_400_000).toISOString().slice(0, 10);
      const bbox = map.current
        .bounds()
        .map((n) => n.toFixed(5))
        .join(",");
      try {
        const found = await api<{ features: Feature[] }>(
          `/api/v1/open-data/demands.geojson?bbox=${bbox}&from=${from}`,
          {},
          locale,
        );
        const list = found.features.filter((f) => f.geometry).slice(0, 200);
        setFeatures(list);
        map.current.setDots(
          list.map((f) => ({
            lat: f.geometry!.coordinates[1],
            lon: f.geometry!.coordinates[0],
            label: `${f.properties.protocol} — ${f.properties.serviceName}`,
            href: withLang(`/demanda/${f.properties.protocol}`, locale),
          })),
        );
      } catch (e) {
        setProblem(e instanceof ApiProblem ? e : null);
      }
    };
    mountMap(el.current!, { boot, label: t("portal.nearby.map_label"), onMove: () => void load() }).then(
      (handle) => {
        if (cancelled) return handle.destroy();
        map.current = handle;
        void load();
      },
    );
    return () => {
      cancelled = true;
      map.current?.destroy();
      map.current = null;
    };
  }, [locale]);

  return (
    <>
      <h1 tabIndex={-1}>{t("portal.nearby.title")}</h1>
      <p>{t("portal.nearby.intro", { days: DAYS })}</p>
      <div ref={el} class="map" />
      <ProblemAlert problem={problem} t={t} />
      <h2>{t("portal.nearby.list")}</h2>
      {features === null ? (
        <p>{t("ui.loading")}</p>
      ) : features.length === 0 ? (
        <p>{t("portal.nearby.none")}</p>
      ) : (
        <ul>
          {features.map((f) => (
            <li key={f.id}>
              <a href={withLang(`/demanda/${f.properties.protocol}`, locale)} data-nav>
                {f.properties.protocol}
              </a>{" "}
              — {f.properties.serviceName} · {t(`status.${f.properties.status}`)} ·{" "}
              {formatWhen(f.properties.openedAt, locale)}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
