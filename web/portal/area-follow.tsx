/**
 * "Follow an area" (/acompanhar-area): choose a district, or a point on the map with a radius, and get at most one
 * e-mail an hour with the demands opened, answered and closed there. A signed-in citizen's proven e-mail starts at
 * once; any other address confirms by the link of an e-mail. The same page is where those links land
 * (`?confirmar=` / `?parar=`): it shows a button, so a mail scanner that follows links changes nothing. The
 * signed-in citizen sees and stops their follows here. Loaded on demand: not part of the first screen's script.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { describedBy, Field, ProblemAlert } from "../ui/components.tsx";
import { formatWhen, withLang } from "../ui/i18n.ts";
import { type LatLon, type MapHandle, mountMap } from "../ui/map.ts";
import type { Env } from "./env.ts";

interface AreaFollow {
  id: number;
  district: { code: string; name: string } | null;
  point: LatLon | null;
  radiusM: number | null;
  state: "pending" | "active" | "stopped";
  createdAt: string;
  lastDigestAt: string | null;
}
interface District {
  code: string;
  name: string;
}

const json = (method: string, body?: unknown): RequestInit => ({
  method,
  ...(body === undefined
    ? {}
    : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
});

/** The area of a follow in words. */
function areaOf(t: Env["t"], f: AreaFollow): string {
  if (f.district) return t("portal.areaFollows.area_district", { name: f.district.name });
  return t("portal.areaFollows.area_point", {
    radius: f.radiusM ?? 0,
    lat: (f.point?.lat ?? 0).toFixed(4),
    lon: (f.point?.lon ?? 0).toFixed(4),
  });
}

/** The page of a confirmation or stop link: one button that does what the link says. */
function LinkPanel(props: { env: Env; purpose: "confirm" | "stop"; token: string }) {
  const { t, locale } = props.env;
  const [done, setDone] = useState<AreaFollow | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const act = async () => {
    setProblem(null);
    try {
      const path = props.purpose === "confirm" ? "confirm" : "stop";
      setDone(
        await api<AreaFollow>(`/api/v1/area-follows/${path}`, json("POST", { token: props.token }), locale),
      );
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", ""));
    }
  };
  const key = props.purpose === "confirm" ? "confirm" : "stop";
  return (
    <section aria-labelledby="link-title">
      <h2 id="link-title">{t(`portal.areaFollows.${key}_title`)}</h2>
      {done ? (
        <p role="status">
          {t(props.purpose === "confirm" ? "portal.areaFollows.confirmed" : "portal.areaFollows.stopped", {
            area: areaOf(t, done),
          })}
        </p>
      ) : (
        <>
          <p>{t(`portal.areaFollows.${key}_text`)}</p>
          <ProblemAlert problem={problem} t={t} />
          <button type="button" class="button" onClick={() => void act()}>
            {t(`portal.areaFollows.${key}_button`)}
          </button>
        </>
      )}
    </section>
  );
}

/** The follow-an-area screen. */
export function AreaFollowScreen(props: { env: Env; search: URLSearchParams }) {
  const { t, locale, boot } = props.env;
  const confirmToken = props.search.get("confirmar");
  const stopToken = props.search.get("parar");
  const [kind, setKind] = useState<"district" | "point">("district");
  const [districts, setDistricts] = useState<District[]>([]);
  const [district, setDistrict] = useState("");
  const [point, setPoint] = useState<LatLon | null>(null);
  const [radius, setRadius] = useState("500");
  const [email, setEmail] = useState("");
  const [mine, setMine] = useState<{ email: string | null; follows: AreaFollow[] } | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [outcome, setOutcome] = useState("");
  const [busy, setBusy] = useState(false);
  const mapEl = useRef<HTMLDivElement>(null);
  const map = useRef<MapHandle | null>(null);

  const loadMine = async () => {
    try {
      setMine(await api<{ email: string | null; follows: AreaFollow[] }>("/api/v1/area-follows", {}, locale));
    } catch {
      setMine(null);
    }
  };
  useEffect(() => {
    void loadMine();
    api<{ items: District[] }>("/api/v1/districts", {}, locale)
      .then((d) => setDistricts([...d.items].sort((a, b) => a.name.localeCompare(b.name, locale))))
      .catch(() => setDistricts([]));
  }, [locale]);

  useEffect(() => {
    if (kind !== "point" || !mapEl.current) return;
    let cancelled = false;
    mountMap(mapEl.current, {
      boot,
      label: t("portal.areaFollows.map_label"),
      markerLabel: t("portal.areaFollows.marker_label"),
      onPick: (picked) => {
        setPoint(picked);
        map.current?.setPoint(picked);
      },
    }).then((handle) => {
      if (cancelled) return handle.destroy();
      map.current = handle;
    });
    return () => {
      cancelled = true;
      map.current?.destroy();
      map.current = null;
    };
  }, [kind, locale]);

  const proven = mine?.email ?? null;
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    setOutcome("");
    try {
      const area =
        kind === "district"
          ? { district }
          : { point: point ?? undefined, radiusM: Number.parseInt(radius, 10) };
      const to = proven ?? email.trim();
      const body = { ...area, ...(proven ? {} : { email: to }) };
      const made = await api<AreaFollow & { confirmationSent: boolean }>(
        "/api/v1/area-follows",
        json("POST", body),
        locale,
      );
      setOutcome(
        made.confirmationSent
          ? t("portal.areaFollows.sent", { email: to })
          : t("portal.areaFollows.started", { area: areaOf(t, made) }),
      );
      await loadMine();
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", ""));
    } finally {
      setBusy(false);
    }
  };

  const stop = async (f: AreaFollow) => {
    setProblem(null);
    try {
      await api(`/api/v1/area-follows/${f.id}`, json("DELETE"), locale);
      setOutcome(t("portal.areaFollows.stopped", { area: areaOf(t, f) }));
      await loadMine();
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", ""));
    }
  };

  const fieldError = (field: string) => problem?.fields.find((f) => f.field === field)?.code;
  return (
    <>
      <h1 tabIndex={-1}>{t("portal.areaFollows.title")}</h1>
      {confirmToken ? <LinkPanel env={props.env} purpose="confirm" token={confirmToken} /> : null}
      {stopToken ? <LinkPanel env={props.env} purpose="stop" token={stopToken} /> : null}
      <p>{t("portal.areaFollows.intro")}</p>
      <form onSubmit={submit} noValidate>
        <fieldset>
          <legend>{t("portal.areaFollows.kind_legend")}</legend>
          {(["district", "point"] as const).map((k) => (
            <label class="choice" key={k}>
              <input type="radio" name="kind" checked={kind === k} onChange={() => setKind(k)} />
              {t(`portal.areaFollows.kind_${k}`)}
            </label>
          ))}
        </fieldset>
        {kind === "district" ? (
          <Field id="district" label={t("portal.areaFollows.district_label")}>
            <select
              id="district"
              value={district}
              aria-invalid={fieldError("district") !== undefined}
              onChange={(e) => setDistrict((e.target as HTMLSelectElement).value)}
            >
              <option value="">{t("portal.areaFollows.district_choose")}</option>
              {districts.map((d) => (
                <option key={d.code} value={d.code}>
                  {d.name}
                </option>
              ))}
            </select>
          </Field>
        ) : (
          <>
            <div ref={mapEl} class="map" />
            <p role="status">
              {point
                ? t("portal.areaFollows.point_chosen", {
                    lat: point.lat.toFixed(5),
                    lon: point.lon.toFixed(5),
                  })
                : t("portal.areaFollows.point_none")}
            </p>
            <Field id="radius" label={t("portal.areaFollows.radius_label")}>
              <input
                id="radius"
                type="number"
                inputMode="numeric"
                min={100}
                max={5000}
                step={50}
                value={radius}
                aria-invalid={fieldError("radiusM") !== undefined}
                onInput={(e) => setRadius((e.target as HTMLInputElement).value)}
              />
            </Field>
          </>
        )}
        {proven ? (
          <p>{t("portal.areaFollows.email_signed_in", { email: proven })}</p>
        ) : (
          <Field
            id="email"
            label={t("portal.areaFollows.email_label")}
            hint={t("portal.areaFollows.email_hint")}
          >
            <input
              id="email"
              type="email"
              autocomplete="email"
              value={email}
              aria-invalid={fieldError("email") !== undefined}
              aria-describedby={describedBy("email", t("portal.areaFollows.email_hint"))}
              onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
            />
          </Field>
        )}
        <ProblemAlert problem={problem} t={t} />
        <button type="submit" class="button" disabled={busy}>
          {t("portal.areaFollows.submit")}
        </button>
      </form>
      {outcome ? <p role="status">{outcome}</p> : null}
      <h2>{t("portal.areaFollows.mine_title")}</h2>
      {mine === null ? (
        <p>
          <a href={withLang("/minhas-solicitacoes", locale)} data-nav>
            {t("portal.areaFollows.mine_sign_in")}
          </a>
        </p>
      ) : mine.follows.length === 0 ? (
        <p>{t("portal.areaFollows.none")}</p>
      ) : (
        <ul class="area-follows">
          {mine.follows.map((f) => (
            <li key={f.id}>
              {areaOf(t, f)} · {t(`portal.areaFollows.state_${f.state}`)}
              {f.lastDigestAt
                ? ` · ${t("portal.areaFollows.last_digest", { when: formatWhen(f.lastDigestAt, locale) })}`
                : ""}{" "}
              <button type="button" class="button secondary" onClick={() => void stop(f)}>
                {t("portal.areaFollows.stop")}
              </button>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
