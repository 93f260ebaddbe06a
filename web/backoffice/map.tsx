/**
 * The map of the department's open orders: the city's district outlines (local data), a dot per order with a link
 * to it, and beside it the same orders as a keyboard-usable list (focusing one marks it on the map).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { ProblemAlert } from "../ui/components.tsx";
import { withLang } from "../ui/i18n.ts";
import { LiveBadge } from "../ui/live.tsx";
import { type LatLon, type MapOptions, useMap } from "../ui/map.ts";
import type { StaffEnv } from "../ui/staff.tsx";
import { isDepartmentRole, LATENESS_CLASS, latenessOf, PATHS } from "./data.ts";
import { DepartmentFilter } from "./department-filter.tsx";
import { useDepartments, useOrders } from "./orders.tsx";

/** The options of the map of `orders`: centred on those with a place (the whole city when none has one). */
function mapOptionsOf(orders: ReadonlyArray<{ location: LatLon | null }>, env: StaffEnv): MapOptions {
  const points = orders.flatMap((o) => (o.location ? [o.location] : []));
  const center =
    points.length === 0
      ? undefined
      : {
          lat: points.reduce((sum, p) => sum + p.lat, 0) / points.length,
          lon: points.reduce((sum, p) => sum + p.lon, 0) / points.length,
        };
  return { boot: env.boot, label: env.t("backoffice.map.label"), ...(center ? { center } : {}) };
}

/** The map screen. */
export function MapScreen(props: { env: StaffEnv }) {
  const { env } = props;
  const { t, locale, me } = env;
  const seesAll = !isDepartmentRole(me.role);
  const [department, setDepartment] = useState("");
  const departments = useDepartments(env, seesAll);
  const { orders, problem, live } = useOrders(env, "", department);
  const element = useRef<HTMLDivElement>(null);
  // Mounted once the orders are known, centred on them (the whole city when none has a place).
  const map = useMap(element, orders === null ? null : mapOptionsOf(orders, env));

  const placed = (orders ?? []).filter((o) => o.location !== null);
  useEffect(() => {
    map?.setDots(
      placed.map((o) => ({
        lat: o.location!.lat,
        lon: o.location!.lon,
        label: `${o.protocol} — ${o.serviceName}`,
        href: withLang(PATHS.order(o.id), locale),
      })),
    );
  }, [map, orders]);
  const now = Date.now();

  return (
    <>
      <h1 tabIndex={-1}>{t("backoffice.map.title")}</h1>
      <LiveBadge t={t} state={live} />
      {seesAll ? (
        <DepartmentFilter
          id="map-department"
          t={t}
          value={department}
          departments={departments}
          onChange={setDepartment}
        />
      ) : null}
      <ProblemAlert problem={problem} t={t} />
      <div class="columns map-columns">
        <div>
          <p class="hint" id="map-hint">
            {t("backoffice.map.hint")}
          </p>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: the map pans with the arrow keys (role application). */}
          <div class="map department-map" ref={element} tabIndex={0} aria-describedby="map-hint" />
        </div>
        <section aria-labelledby="map-list-title">
          <h2 id="map-list-title">{t("backoffice.map.list", { count: placed.length })}</h2>
          {orders === null ? (
            <p role="status">{t("ui.loading")}</p>
          ) : placed.length === 0 ? (
            <p>{t("backoffice.map.empty")}</p>
          ) : (
            <ol class="map-list">
              {placed.map((o) => {
                const lateness = latenessOf(o, now);
                return (
                  <li key={o.id}>
                    <a
                      href={withLang(PATHS.order(o.id), locale)}
                      data-nav
                      onFocus={() => map?.setPoint(o.location)}
                      onMouseEnter={() => map?.setPoint(o.location)}
                    >
                      {o.protocol}
                    </a>{" "}
                    — {o.serviceName}, {o.district?.name ?? "—"}, {t(`backoffice.states.${o.state}`)}
                    {lateness === "late" || lateness === "near" ? (
                      <span class={LATENESS_CLASS[lateness]}> ({t(`backoffice.lateness.${lateness}`)})</span>
                    ) : null}
                  </li>
                );
              })}
            </ol>
          )}
        </section>
      </div>
    </>
  );
}
