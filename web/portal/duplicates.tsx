/**
 * "Someone already reported this": while filing, the open demands of the chosen service near the marked point
 * (public facts only: service, street or district, status, date, protocol, supporters), each with "Support (+1)"
 * and "Follow" instead of filing again (decision 0026). Following needs the e-mail sign-in; support needs nothing.
 */
import { useEffect, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, withLang } from "../ui/i18n.ts";
import type { Env } from "./env.ts";

/** One candidate as GET /api/v1/duplicate-candidates answers it. */
interface Candidate {
  protocol: string;
  service: string;
  status: string;
  openedAt: string;
  street: string | null;
  districtName: string | null;
  supporters: number;
}

/** What happened to one candidate on this screen. */
type Done = "supported" | "already_supported" | "following" | "sign_in";

/** The candidates for a service and a point; nothing at all until both are known and something is found. */
export function DuplicateCandidates(props: {
  env: Env;
  service: string;
  point: { lat: number; lon: number } | null;
}) {
  const { t, locale } = props.env;
  const [found, setFound] = useState<Candidate[]>([]);
  const [done, setDone] = useState<Record<string, Done>>({});
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const lat = props.point?.lat;
  const lon = props.point?.lon;

  useEffect(() => {
    if (lat === undefined || lon === undefined) return setFound([]);
    let stale = false;
    const query = `service=${encodeURIComponent(props.service)}&lat=${lat.toFixed(6)}&lon=${lon.toFixed(6)}`;
    // Offline or refused, the form goes on without the list: it is a help, never a gate.
    api<Candidate[]>(`/api/v1/duplicate-candidates?${query}`, {}, locale)
      .then((list) => !stale && setFound(list))
      .catch(() => !stale && setFound([]));
    return () => {
      stale = true;
    };
  }, [props.service, lat, lon, locale]);

  if (found.length === 0) return null;

  const act = async (c: Candidate, action: "support" | "follow") => {
    setProblem(null);
    try {
      const init = { method: "POST", headers: { "content-type": "application/json" }, body: "{}" };
      if (action === "support") {
        const r = await api<{ supports: number; counted: boolean }>(
          `/api/v1/demands/${c.protocol}/support`,
          init,
          locale,
        );
        setDone((d) => ({ ...d, [c.protocol]: r.counted ? "supported" : "already_supported" }));
        if (r.counted)
          setFound((list) => list.map((x) => (x === c ? { ...x, supporters: x.supporters + 1 } : x)));
      } else {
        await api(`/api/v1/demands/${c.protocol}/follow`, init, locale);
        setDone((d) => ({ ...d, [c.protocol]: "following" }));
      }
    } catch (e) {
      if (e instanceof ApiProblem && e.status === 401) setDone((d) => ({ ...d, [c.protocol]: "sign_in" }));
      else setProblem(e instanceof ApiProblem ? e : null);
    }
  };

  return (
    <section class="duplicates" aria-labelledby="duplicates-title" data-testid="duplicates">
      <h2 id="duplicates-title">{t("portal.duplicates.title")}</h2>
      <p>{t("portal.duplicates.intro")}</p>
      <ul>
        {found.map((c) => {
          const state = done[c.protocol];
          return (
            <li key={c.protocol}>
              <p>
                <a href={withLang(`/demanda/${c.protocol}`, locale)}>
                  {t("portal.duplicates.protocol", { protocol: c.protocol })}
                </a>{" "}
                — {c.service}
                <br />
                {[c.street, c.districtName].filter(Boolean).join(", ") || t("portal.duplicates.no_place")} ·{" "}
                {t(`status.${c.status}`)} · {formatWhen(c.openedAt, locale)} ·{" "}
                {t("portal.duplicates.supporters", { count: c.supporters })}
              </p>
              <div class="row">
                <button type="button" class="secondary" onClick={() => void act(c, "support")}>
                  {t("portal.duplicates.support")}
                </button>
                <button type="button" class="secondary" onClick={() => void act(c, "follow")}>
                  {t("portal.duplicates.follow")}
                </button>
              </div>
              {state ? (
                <p role="status">
                  {state === "sign_in" ? (
                    <a href={withLang("/minhas-solicitacoes", locale)}>{t("portal.duplicates.sign_in")}</a>
                  ) : (
                    t(`portal.duplicates.${state}`, { protocol: c.protocol })
                  )}
                </p>
              ) : null}
            </li>
          );
        })}
      </ul>
      <ProblemAlert problem={problem} t={t} />
      <p class="hint">{t("portal.duplicates.file_anyway")}</p>
    </section>
  );
}
