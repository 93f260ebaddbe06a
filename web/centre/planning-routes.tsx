/**
 * The day's inspection routes on the Fiscalização screen (GET /api/v1/inspection-routes?day=): each inspector's
 * visits in order with their states (pending, done, skipped) as the tablets synced them, and the way to change a
 * route (it becomes the draft) or cancel it (DELETE, asked twice: the inspector's tablet loses the route).
 */
import { useState } from "preact/hooks";
import { ApiProblem } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen } from "../ui/i18n.ts";
import { asProblem } from "../ui/load.ts";
import { type StaffEnv, send } from "../ui/staff.tsx";
import { blockName, type InspectionRoute, localOf } from "./planning-data.ts";

/** The list of the day's routes; `onEdit` makes a route the draft, `onChanged` reads the list again. */
export function DayRoutes(props: {
  env: StaffEnv;
  day: string;
  routes: InspectionRoute[] | null;
  problem: ApiProblem | null;
  canManage: boolean;
  onEdit: (route: InspectionRoute) => void;
  onChanged: () => void;
}) {
  const { env, routes } = props;
  const { t, locale } = env;
  const [asking, setAsking] = useState<number | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [said, setSaid] = useState("");
  const cancel = async (route: InspectionRoute) => {
    setProblem(null);
    try {
      await send(`/api/v1/inspection-routes/${route.id}`, undefined, locale, "DELETE");
      setSaid(t("centre.planning.cancelled", { name: route.inspector.name }));
      setAsking(null);
      props.onChanged();
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e : asProblem(e));
    }
  };
  return (
    <section aria-labelledby="planning-routes">
      <h2 id="planning-routes">{t("centre.planning.routes_title", { day: props.day })}</h2>
      <ProblemAlert problem={props.problem ?? problem} t={t} />
      <p role="status">{said}</p>
      {routes === null ? <p>{t("ui.loading")}</p> : null}
      {routes && routes.length === 0 ? <p>{t("centre.planning.no_routes")}</p> : null}
      {(routes ?? []).map((route) => {
        const done = route.visits.filter((v) => v.state === "done").length;
        return (
          <article key={route.id} class="card planning-route" data-route={route.id} data-state={route.state}>
            <h3>
              {t("centre.planning.route_of", { name: route.inspector.name })} ·{" "}
              {t(`centre.planning.route_states.${route.state}`)}
            </h3>
            <p class="hint">
              {t("centre.planning.route_summary", {
                done,
                count: route.visits.length,
                revision: route.revision,
              })}
              {route.note ? ` · ${route.note}` : ""}
            </p>
            <table class="centre-drill-table">
              <caption class="visually-hidden">
                {t("centre.planning.visits_of", { name: route.inspector.name })}
              </caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">{t("centre.planning.block")}</th>
                  <th scope="col">{t("centre.planning.questionnaire")}</th>
                  <th scope="col">{t("centre.planning.reason")}</th>
                  <th scope="col">{t("centre.planning.state")}</th>
                </tr>
              </thead>
              <tbody>
                {route.visits.map((v) => (
                  <tr key={v.id} data-visit={v.id} data-state={v.state}>
                    <td>{v.position}</td>
                    <td>{blockName(env, v.block)}</td>
                    <td>{localOf(v.questionnaire.title, locale)}</td>
                    <td>{v.reason ? t(`centre.planning.reasons.${v.reason}`) : ""}</td>
                    <td>
                      {t(`centre.planning.visit_states.${v.state}`)}
                      {v.doneAt ? ` · ${formatWhen(v.doneAt, locale)}` : ""}
                      {v.note ? ` · ${v.note}` : ""}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {props.canManage && route.state !== "cancelled" ? (
              <p class="row">
                <button type="button" class="secondary" onClick={() => props.onEdit(route)}>
                  {t("centre.planning.edit_route", { name: route.inspector.name })}
                </button>
                {asking === route.id ? (
                  <>
                    <button type="button" onClick={() => cancel(route)}>
                      {t("centre.planning.cancel_confirm", { name: route.inspector.name })}
                    </button>
                    <button type="button" class="secondary" onClick={() => setAsking(null)}>
                      {t("centre.planning.cancel_keep")}
                    </button>
                  </>
                ) : (
                  <button type="button" class="secondary" onClick={() => setAsking(route.id)}>
                    {t("centre.planning.cancel_route", { name: route.inspector.name })}
                  </button>
                )}
              </p>
            ) : null}
          </article>
        );
      })}
    </section>
  );
}
