/**
 * The evidence behind a block's scores (GET /api/v1/block-scores/blocks/:blockId), one click from the quality layer:
 * per service the score and its four components with their weights and evidence, the latest answers (photos as
 * thumbnails from /api/v1/field-files), the open and late demands by protocol (linked to the demand's page) and the
 * recent ratings. It says who answered only as the server does: an inspector's name, never a citizen's.
 */
import { useEffect, useRef } from "preact/hooks";
import { inBase } from "../ui/base.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, withLang } from "../ui/i18n.ts";
import { useLoad } from "../ui/load.ts";
import { qualityClassOf } from "../ui/quality-scale.ts";
import type { StaffEnv } from "../ui/staff.tsx";
import { localOf } from "./planning-data.ts";

/** One component of a score: its value (0..1), its weight in the method, and how much evidence it rests on. */
interface Component {
  value: number | null;
  weight: number;
  evidence: number;
}

interface EvidenceAnswer {
  responseId: number;
  question: string;
  /** The question's label in the reader's language (its name on an older server). */
  label?: string;
  value: unknown;
  score: number | null;
  answeredAt: string;
  respondentKind: string;
  /** The inspector's name; null for a citizen auditor, who is never named. */
  inspector?: string | null;
  files?: string[];
}

interface ServiceEvidence {
  /** Its name in the page's language, or per language (the server's evidence gives the catalogue's jsonb). */
  service: { code: string; name: string | Record<string, string> } | null;
  score: number;
  evidence: number;
  confidence?: "low" | "medium" | "high";
  computedAt?: string;
  components: Partial<Record<(typeof COMPONENTS)[number], Component | null>>;
  answers?: EvidenceAnswer[];
  demands?: Array<{ protocol: string; service?: string; status: string; late?: boolean }>;
  ratings?: Array<{ rating: number; solved?: boolean | null; answeredAt: string; protocol?: string }>;
}

/** The evidence of a block, as the server answers it. */
interface BlockEvidenceView {
  block: { id: number; sector: string; block: string; district?: { code: string; name: string } | null };
  services: ServiceEvidence[];
}

/** The score's components, in the order the method lists them (docs/quality-scores.md). */
const COMPONENTS = ["field", "auditor", "demands", "satisfaction"] as const;

const SHA256 = /^[0-9a-f]{64}$/;

/** The stored files an answer holds (a photo or audio answer's value is the list of their SHA-256). */
function filesOf(answer: EvidenceAnswer): string[] {
  if (answer.files) return answer.files;
  return Array.isArray(answer.value) ? answer.value.filter((v): v is string => SHA256.test(String(v))) : [];
}

/** An answer's value in words. */
function valueText(env: StaffEnv, value: unknown): string {
  if (typeof value === "boolean") return env.t(value ? "centre.quality.yes" : "centre.quality.no");
  if (Array.isArray(value)) return value.every((v) => SHA256.test(String(v))) ? "" : value.join(", ");
  if (value && typeof value === "object") return JSON.stringify(value);
  return value === null || value === undefined ? "" : String(value);
}

function ServiceSection(props: { env: StaffEnv; item: ServiceEvidence; headingId: string }) {
  const { env, item } = props;
  const { t, locale } = env;
  const percent = (v: number | null | undefined) => (typeof v === "number" ? `${Math.round(v * 100)}%` : "—");
  return (
    <section class="quality-service" aria-labelledby={props.headingId}>
      <h3 id={props.headingId}>
        {item.service ? localOf(item.service.name, locale) : t("centre.quality.all_services")}:{" "}
        {t("centre.quality.score_of", {
          score: Math.round(item.score),
          class: t(`centre.quality.classes.${qualityClassOf(item.score).key}`),
        })}
      </h3>
      <table class="quality-components">
        <caption>
          {t("centre.quality.components_caption", { count: item.evidence })}
          {item.confidence ? ` · ${t(`centre.quality.confidence.${item.confidence}`)}` : ""}
        </caption>
        <thead>
          <tr>
            <th scope="col">{t("centre.quality.component")}</th>
            <th scope="col">{t("centre.quality.value")}</th>
            <th scope="col">{t("centre.quality.weight")}</th>
            <th scope="col">{t("centre.quality.evidence")}</th>
          </tr>
        </thead>
        <tbody>
          {COMPONENTS.map((key) => {
            const c = item.components[key];
            return (
              <tr key={key} data-component={key}>
                <th scope="row">{t(`centre.quality.components.${key}`)}</th>
                <td>{c ? percent(c.value) : t("centre.quality.no_evidence")}</td>
                <td>{c ? percent(c.weight) : "—"}</td>
                <td>{c ? c.evidence : 0}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h4>{t("centre.quality.answers")}</h4>
      {(item.answers ?? []).length === 0 ? <p>{t("centre.quality.none")}</p> : null}
      <ul class="quality-answers">
        {(item.answers ?? []).map((a, i) => (
          <li key={`${a.responseId}-${i}`}>
            <strong>{a.label ?? a.question}</strong>: {valueText(env, a.value)}
            {typeof a.score === "number" ? ` (${percent(a.score)})` : ""} ·{" "}
            {a.inspector ?? t(`centre.quality.respondents.${a.respondentKind}`)} ·{" "}
            {formatWhen(a.answeredAt, locale)} ·{" "}
            <a href={withLang(`/centro/respostas/${a.responseId}`, locale)} data-nav>
              {t("centre.quality.see_response", { id: a.responseId })}
            </a>
            {filesOf(a).length > 0 ? (
              <span class="quality-photos">
                {filesOf(a).map((sha, n) => (
                  <a key={sha} href={inBase(`/api/v1/field-files/${sha}`)} target="_blank" rel="noreferrer">
                    <img
                      src={inBase(`/api/v1/field-files/${sha}`)}
                      alt={t("centre.quality.photo_alt", { n: n + 1, question: a.label ?? a.question })}
                      loading="lazy"
                      width={96}
                      height={72}
                    />
                  </a>
                ))}
              </span>
            ) : null}
          </li>
        ))}
      </ul>
      <h4>{t("centre.quality.demands")}</h4>
      {(item.demands ?? []).length === 0 ? <p>{t("centre.quality.none")}</p> : null}
      <ul>
        {(item.demands ?? []).map((d) => (
          <li key={d.protocol} data-protocol={d.protocol}>
            <a href={withLang(`/console/demanda/${d.protocol}`, locale)}>{d.protocol}</a> ·{" "}
            {t(`status.${d.status}`)}
            {d.late ? <strong class="late"> {t("centre.drill.late")}</strong> : null}
          </li>
        ))}
      </ul>
      <h4>{t("centre.quality.ratings")}</h4>
      {(item.ratings ?? []).length === 0 ? <p>{t("centre.quality.none")}</p> : null}
      <ul>
        {(item.ratings ?? []).map((r, i) => (
          <li key={`${r.answeredAt}-${i}`}>
            {t("centre.quality.rating", { rating: r.rating })}
            {r.solved === true ? ` · ${t("centre.quality.solved")}` : ""}
            {r.solved === false ? ` · ${t("centre.quality.not_solved")}` : ""} ·{" "}
            {formatWhen(r.answeredAt, locale)}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The evidence panel of one block; `onClose` hands the focus back to the map. */
export function BlockEvidence(props: { env: StaffEnv; blockId: number; tick: number; onClose: () => void }) {
  const { env, blockId } = props;
  const { t, locale } = env;
  const [data, problem, reload] = useLoad<BlockEvidenceView>(
    `/api/v1/block-scores/blocks/${blockId}`,
    locale,
  );
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [blockId]);
  useEffect(() => reload(), [props.tick]);
  const name = data
    ? t("centre.quality.block", { sector: data.block.sector, block: data.block.block })
    : t("ui.loading");
  return (
    <section class="quality-evidence card" aria-labelledby="quality-evidence" data-block={blockId}>
      <h2 id="quality-evidence" tabIndex={-1} ref={heading}>
        {t("centre.quality.evidence_title", { name })}
        {data?.block.district ? ` · ${data.block.district.name}` : ""}
      </h2>
      <p>
        <button type="button" class="secondary" onClick={props.onClose}>
          {t("centre.quality.close")}
        </button>
      </p>
      <ProblemAlert problem={problem} t={t} />
      {data && data.services.length === 0 ? <p>{t("centre.quality.no_score")}</p> : null}
      {(data?.services ?? []).map((item, i) => (
        <ServiceSection
          key={item.service?.code ?? "all"}
          env={env}
          item={item}
          headingId={`quality-service-${i}`}
        />
      ))}
    </section>
  );
}
