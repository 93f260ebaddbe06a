/**
 * The services without a rule of their own (GET /api/v1/matrix/uncovered): their demands go to the fallback triage
 * desk, so the busiest are listed first, with how many demands they sent there, for an administrator to give them a
 * rule (decision 0025).
 */
import { useEffect, useState } from "preact/hooks";
import { ProblemAlert } from "../ui/components.tsx";
import { useLoad } from "../ui/load.ts";
import type { AdminScreenProps } from "./main.tsx";

/** One service without a rule. */
interface Uncovered {
  service: string;
  serviceName: string;
  groupName: string;
  locationRequired: boolean;
  demands: number;
  recentDemands: number;
}

const SHOWN = 20;

/** The panel of services that reach the fallback desk for want of a rule. */
export function UncoveredServices(
  props: AdminScreenProps & { version: number; onPick: (code: string) => void },
) {
  const { t, locale } = props.env;
  const [data, problem, reload] = useLoad<{ fallbackDepartment: string | null; services: Uncovered[] }>(
    "/api/v1/matrix/uncovered",
    locale,
  );
  // A rule saved in the form below (version goes up) may cover a listed service: read the list again.
  useEffect(() => {
    if (props.version > 0) reload();
  }, [props.version]);
  const [shown, setShown] = useState(SHOWN);
  const services = data?.services ?? [];
  const routed = services.reduce((sum, s) => sum + s.demands, 0);
  return (
    <section aria-labelledby="uncovered-title">
      <h2 id="uncovered-title">{t("admin.matrix.uncovered.title")}</h2>
      <p>{t("admin.matrix.uncovered.intro", { department: data?.fallbackDepartment ?? "—" })}</p>
      <ProblemAlert problem={problem} t={t} />
      <p role="status">
        {data
          ? t("admin.matrix.uncovered.count", { services: services.length, demands: routed })
          : t("ui.loading")}
      </p>
      {services.length > 0 ? (
        <div class="table-wrap">
          <table class="data">
            <caption class="visually-hidden">{t("admin.matrix.uncovered.caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("admin.matrix.service")}</th>
                <th scope="col">{t("admin.matrix.uncovered.group")}</th>
                <th scope="col" class="num">
                  {t("admin.matrix.uncovered.demands")}
                </th>
                <th scope="col" class="num">
                  {t("admin.matrix.uncovered.recent")}
                </th>
                <th scope="col">{t("admin.matrix.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {services.slice(0, shown).map((s) => (
                <tr key={s.service}>
                  <td>
                    {s.serviceName}
                    <br />
                    <span class="hint">
                      {s.service}
                      {s.locationRequired ? ` · ${t("admin.matrix.uncovered.place_bound")}` : ""}
                    </span>
                  </td>
                  <td>{s.groupName}</td>
                  <td class="num">{s.demands}</td>
                  <td class="num">{s.recentDemands}</td>
                  <td>
                    <button type="button" class="secondary" onClick={() => props.onPick(s.service)}>
                      {t("admin.matrix.uncovered.add")}
                      <span class="visually-hidden">: {s.serviceName}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : data ? (
        <p>{t("admin.matrix.uncovered.none")}</p>
      ) : null}
      {services.length > shown ? (
        <button type="button" class="secondary" onClick={() => setShown(shown + SHOWN)}>
          {t("admin.matrix.uncovered.show_more")}
        </button>
      ) : null}
    </section>
  );
}
