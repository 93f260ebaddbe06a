/**
 * The department back-office (/departamento): the department's work orders, a map of the open ones, one order with
 * its actions and counter-report, and the alarm inbox of focal points and supervisors. Every screen follows the
 * staff live stream. One entry; the map loads Leaflet on demand.
 */
import "../ui/base.css";
import "./backoffice.css";
import { render } from "preact";
import { readBoot } from "../ui/boot.ts";
import { translator, withLang, withoutLang } from "../ui/i18n.ts";
import { matchPath, useLocation } from "../ui/router.ts";
import { type StaffEnv, StaffRoot } from "../ui/staff.tsx";
import { AlarmsScreen } from "./alarms.tsx";
import { PATHS } from "./data.ts";
import { MapScreen } from "./map.tsx";
import { OrderScreen } from "./order.tsx";
import { OrdersScreen } from "./orders.tsx";

const boot = readBoot();
const t = translator(boot.messages, boot.locale);

function sections(env: StaffEnv) {
  const list = [
    { href: PATHS.orders, label: env.t("backoffice.menu.orders") },
    { href: PATHS.map, label: env.t("backoffice.menu.map") },
  ];
  if (env.can("alarms.read")) list.push({ href: PATHS.alarms, label: env.t("backoffice.menu.alarms") });
  return list;
}

function screen(env: StaffEnv, url: URL) {
  const path = url.pathname.replace(/\/+$/, "") || PATHS.orders;
  const order = matchPath(`${PATHS.orders}/ordens/:id`, path);
  if (order && /^\d+$/.test(order.id!)) return <OrderScreen key={order.id} env={env} id={Number(order.id)} />;
  if (path === PATHS.map) return <MapScreen env={env} />;
  if (path === PATHS.alarms && env.can("alarms.read")) return <AlarmsScreen env={env} />;
  if (path === PATHS.orders) return <OrdersScreen key={url.search} env={env} query={url.searchParams} />;
  return (
    <>
      <h1 tabIndex={-1}>{env.t("backoffice.not_found.title")}</h1>
      <p>
        <a href={withLang(PATHS.orders, env.locale)} data-nav>
          {env.t("backoffice.not_found.back")}
        </a>
      </p>
    </>
  );
}

function App() {
  const url = useLocation();
  return (
    <StaffRoot
      boot={boot}
      t={t}
      app="backoffice"
      path={withoutLang(url)}
      sections={sections}
      screen={(env) => screen(env, url)}
    />
  );
}

const root = document.getElementById("app")!;
root.textContent = "";
render(<App />, root);
