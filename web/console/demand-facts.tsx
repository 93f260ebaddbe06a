/**
 * The facts of a demand on the console's demand screen: what, where and who, its extra fields, photos, likely
 * duplicates and timeline.
 */
import type { AttributeView } from "../portal/attributes.tsx";
import { inBase } from "../ui/base.ts";
import type { Translate } from "../ui/i18n.ts";
import { formatWhen, withLang } from "../ui/i18n.ts";
import { type DemandView, Timeline } from "./demand-parts.tsx";
import { PATHS } from "./env.ts";
import type { Taken } from "./queue.tsx";

/** The demand's facts column. */
export function DemandFacts(props: {
  t: Translate;
  locale: string;
  demand: DemandView;
  /** The service's extra fields, to name the demand's attribute codes and options. */
  fields: AttributeView[];
  duplicates: Taken["duplicates"];
  /** Whether the staff member may listen to call recordings (recordings.listen). */
  canListen?: boolean;
}) {
  const { t, locale, demand, fields, duplicates } = props;
  return (
    <div>
      <h2>{t("console.demand.facts")}</h2>
      <dl class="facts">
        <dt>{t("console.queue.status")}</dt>
        <dd data-testid="status">{t(`status.${demand.status}`)}</dd>
        <dt>{t("console.queue.service")}</dt>
        <dd data-testid="service">
          {demand.service.name} ({demand.service.code})
        </dd>
        <dt>{t("console.demand.channel")}</dt>
        <dd>{t(`console.channels.${demand.channel}`)}</dd>
        <dt>{t("console.queue.opened_at")}</dt>
        <dd>{formatWhen(demand.openedAt, locale)}</dd>
        <dt>{t("console.queue.due_at")}</dt>
        <dd>{demand.dueAt ? formatWhen(demand.dueAt, locale) : "—"}</dd>
        <dt>{t("console.demand.place")}</dt>
        <dd>
          {[demand.address, demand.district?.name].filter(Boolean).join(" · ") || "—"}
          {demand.location ? ` (${demand.location.lat.toFixed(5)}, ${demand.location.lon.toFixed(5)})` : ""}
        </dd>
        <dt>{t("console.demand.department")}</dt>
        <dd>{demand.department?.name ?? "—"}</dd>
        <dt>{t("console.demand.citizen")}</dt>
        <dd>
          {demand.citizen
            ? [demand.citizen.name, ...demand.citizen.contacts.map((c) => c.value)]
                .filter(Boolean)
                .join(" · ")
            : t(`console.intake.${demand.identity ?? "anonymous"}`)}
        </dd>
      </dl>
      <h2>{t("console.intake.description")}</h2>
      <p class="description">{demand.description}</p>
      {Object.keys(demand.attributes ?? {}).length > 0 ? (
        <ul>
          {Object.entries(demand.attributes ?? {}).map(([k, v]) => {
            const field = fields.find((f) => f.code === k);
            const named = (x: unknown) => field?.values.find((o) => o.key === x)?.name ?? String(x);
            return (
              <li key={k}>
                {field?.description ?? k}: {Array.isArray(v) ? v.map(named).join(", ") : named(v)}
              </li>
            );
          })}
        </ul>
      ) : null}
      <h2>{t("console.demand.photos")}</h2>
      {demand.attachments && demand.attachments.length > 0 ? (
        <ul>
          {demand.attachments.map((a) => (
            <li key={a.id}>
              <a href={inBase(a.url)} target="_blank" rel="noopener">
                {a.name ?? t("console.demand.photo", { id: a.id })}
              </a>
            </li>
          ))}
        </ul>
      ) : (
        <p>{t("console.phone.none")}</p>
      )}
      <h2>{t("console.demand.duplicates")}</h2>
      {duplicates.length === 0 ? (
        <p>{t("console.phone.none")}</p>
      ) : (
        <ul data-testid="duplicates">
          {duplicates.map((d) => (
            <li key={d.protocol}>
              <a href={withLang(PATHS.demand(d.protocol), locale)} data-nav>
                {d.protocol}
              </a>{" "}
              · {t(`status.${d.status}`)}
              {Number.isFinite(d.distanceM) ? ` · ${t("console.demand.distance", { m: d.distanceM })}` : ""}
            </li>
          ))}
        </ul>
      )}
      <Timeline t={t} locale={locale} timeline={demand.timeline} canListen={props.canListen === true} />
    </div>
  );
}
