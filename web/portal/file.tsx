/**
 * Filing a demand: the service's extra fields from its attribute definitions, photos, a point on the map or an
 * address, anonymity where the service allows. The draft is kept in IndexedDB as it is typed; on submit it goes
 * to the outbox with one Idempotency-Key, so going offline only delays it and a resend never duplicates it.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { Field, ProblemAlert } from "../ui/components.tsx";
import { withLang } from "../ui/i18n.ts";
import { type MapHandle, mountMap } from "../ui/map.ts";
import { navigate } from "../ui/router.ts";
import { AttributeField, type AttributeView } from "./attributes.tsx";
import {
  type Created,
  type Draft,
  emptyDraft,
  flushOutbox,
  loadDraft,
  queueSubmission,
  saveDraft,
} from "./draft.ts";
import type { Env } from "./env.ts";

interface ServiceDetail {
  code: string;
  name: string;
  description: string;
  requirements: string;
  locationRequired: boolean;
  anonymousAllowed: boolean;
  attributes: AttributeView[];
}
interface Candidate {
  street: string;
  number: number | null;
  lat: number;
  lon: number;
}

/** The filing screen of one service. */
export function FileScreen(props: { env: Env; code: string }) {
  const { t, locale, boot } = props.env;
  const [service, setService] = useState<ServiceDetail | null>(null);
  const [draft, setDraft] = useState<Draft>(emptyDraft(props.code));
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [waiting, setWaiting] = useState<string | null>(null);
  const [outside, setOutside] = useState(false);
  // The point as it is now, for the map's pick handler (set up once).
  const pointNow = useRef(draft.location);
  pointNow.current = draft.location;
  const [candidates, setCandidates] = useState<Candidate[] | null>(null);
  const [mapOpen, setMapOpen] = useState(false);
  const mapEl = useRef<HTMLDivElement>(null);
  const map = useRef<MapHandle | null>(null);
  const loaded = useRef(false);

  useEffect(() => {
    api<ServiceDetail>(`/api/v1/services/${encodeURIComponent(props.code)}?lang=${locale}`, {}, locale)
      .then(setService)
      .catch((e) => setProblem(e instanceof ApiProblem ? e : null));
    loadDraft(props.code).then((kept) => {
      if (kept) setDraft(kept);
      loaded.current = true;
    });
  }, [props.code, locale]);

  useEffect(() => {
    if (loaded.current) void saveDraft(draft);
  }, [draft]);

  // The outbox answers for the submission this screen queued, now or when the phone is back online.
  useEffect(() => {
    const onSent = (e: Event) => {
      const { submission, status, body } = (e as CustomEvent).detail as {
        submission: { key: string };
        status: number;
        body: Created & { code?: string; title?: string; detail?: string };
      };
      if (submission.key !== waiting) return;
      setWaiting(null);
      if (status === 200 || status === 201) navigate(`${withLang(`/demanda/${body.protocol}`, locale)}#novo`);
      else setProblem(new ApiProblem(status, body.code ?? "", body.title ?? "", body.detail ?? ""));
    };
    addEventListener("responsiva:sent", onSent);
    return () => removeEventListener("responsiva:sent", onSent);
  }, [waiting, locale]);

  useEffect(() => {
    if (!mapOpen || !mapEl.current || map.current) return;
    let cancelled = false;
    mountMap(mapEl.current, {
      boot,
      label: t("portal.file.map_label"),
      center: draft.location ?? undefined,
      onPick: async (point) => {
        // A point outside the city is refused at once (the map has no tiles, so it is easy to pan out of it);
        // offline the point is kept and the server checks it when the draft is sent.
        try {
          await api(`/api/v1/places?lat=${point.lat}&lon=${point.lon}`, {}, locale);
        } catch (e) {
          if (e instanceof ApiProblem && e.code === "point_outside_city") {
            setOutside(true);
            map.current?.setPoint(pointNow.current);
            return;
          }
        }
        setOutside(false);
        setDraft((d) => ({ ...d, location: point }));
      },
    }).then((handle) => {
      if (cancelled) return handle.destroy();
      map.current = handle;
      handle.setPoint(draft.location);
    });
    return () => {
      cancelled = true;
      map.current?.destroy();
      map.current = null;
    };
  }, [mapOpen]);

  const change = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));

  const findAddress = async () => {
    if (!draft.address.trim()) return;
    try {
      const found = await api<{ items: Candidate[] }>(
        `/api/v1/geocode?q=${encodeURIComponent(draft.address)}&limit=5`,
        {},
        locale,
      );
      setCandidates(found.items);
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e : null);
    }
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setProblem(null);
    const key = crypto.randomUUID();
    await saveDraft(draft);
    await queueSubmission({ key, draft, queuedAt: new Date().toISOString() });
    setWaiting(key);
    await flushOutbox(locale, (submission, response, body) =>
      dispatchEvent(
        new CustomEvent("responsiva:sent", { detail: { submission, status: response.status, body } }),
      ),
    );
  };

  if (!service) {
    return (
      <>
        <h1 tabIndex={-1}>{t("portal.file.title")}</h1>
        {problem ? <ProblemAlert problem={problem} t={t} /> : <p>{t("ui.loading")}</p>}
      </>
    );
  }
  const required = t("ui.required");
  return (
    <>
      <h1 tabIndex={-1}>{service.name}</h1>
      {service.description ? <p>{service.description}</p> : null}
      {service.requirements ? <p class="hint">{service.requirements}</p> : null}
      <form onSubmit={submit} noValidate>
        <Field
          id="description"
          label={t("portal.file.description")}
          hint={t("portal.file.description_hint")}
          required
          requiredText={required}
        >
          <textarea
            id="description"
            required
            aria-describedby="description-hint"
            value={draft.description}
            onInput={(e) => change({ description: (e.target as HTMLTextAreaElement).value })}
          />
        </Field>
        {service.attributes.map((a) => (
          <AttributeField
            key={a.code}
            attribute={a}
            value={draft.attributes[a.code]}
            requiredText={required}
            onChange={(v) => change({ attributes: { ...draft.attributes, [a.code]: v } })}
          />
        ))}
        <fieldset>
          <legend>
            {t("portal.file.where")}
            {service.locationRequired ? <span class="required"> ({required})</span> : null}
          </legend>
          <Field id="address" label={t("portal.file.address")} hint={t("portal.file.address_hint")}>
            <div class="row">
              <input
                class="grow"
                id="address"
                type="text"
                autocomplete="street-address"
                aria-describedby="address-hint"
                value={draft.address}
                onInput={(e) => change({ address: (e.target as HTMLInputElement).value })}
              />
              <button type="button" class="secondary" onClick={findAddress}>
                {t("portal.file.find_address")}
              </button>
            </div>
          </Field>
          {candidates ? (
            candidates.length === 0 ? (
              <p role="status">{t("portal.file.no_address")}</p>
            ) : (
              <ul class="suggestions" aria-label={t("portal.file.address_results")}>
                {candidates.map((c) => (
                  <li key={`${c.lat},${c.lon}`}>
                    <button
                      type="button"
                      class="secondary"
                      onClick={() => {
                        const label = c.number ? `${c.street}, ${c.number}` : c.street;
                        change({ location: { lat: c.lat, lon: c.lon }, address: label });
                        map.current?.setPoint({ lat: c.lat, lon: c.lon });
                        setCandidates(null);
                      }}
                    >
                      {c.number ? `${c.street}, ${c.number}` : c.street}
                    </button>
                  </li>
                ))}
              </ul>
            )
          ) : null}
          <button
            type="button"
            class="secondary"
            aria-expanded={mapOpen}
            onClick={() => setMapOpen(!mapOpen)}
          >
            {mapOpen ? t("portal.file.hide_map") : t("portal.file.show_map")}
          </button>
          {mapOpen ? (
            <>
              <p class="hint" id="map-hint">
                {t("portal.file.map_hint")}
              </p>
              {/* biome-ignore lint/a11y/noNoninteractiveTabindex: the map pans with arrows and picks with Enter. */}
              <div ref={mapEl} class="map" tabIndex={0} aria-describedby="map-hint" />
            </>
          ) : null}
          {outside ? (
            <p class="field-error" role="alert">
              {t("portal.file.outside_city")}
            </p>
          ) : null}
          <p role="status" data-testid="point">
            {draft.location
              ? t("portal.file.point_set", {
                  lat: draft.location.lat.toFixed(5),
                  lon: draft.location.lon.toFixed(5),
                })
              : t("portal.file.no_point")}
          </p>
        </fieldset>
        <Field id="photos" label={t("portal.file.photos")} hint={t("portal.file.photos_hint")}>
          <input
            id="photos"
            type="file"
            accept="image/jpeg,image/png,image/webp"
            multiple
            aria-describedby="photos-hint"
            onChange={(e) => {
              const files = [...((e.target as HTMLInputElement).files ?? [])].slice(0, 5);
              change({ photos: files.map((f) => ({ name: f.name, blob: f })) });
            }}
          />
        </Field>
        {draft.photos.length > 0 ? (
          <p>{t("portal.file.photos_count", { count: draft.photos.length })}</p>
        ) : null}
        <fieldset>
          <legend>{t("portal.file.who")}</legend>
          {service.anonymousAllowed ? (
            <div role="radiogroup" aria-label={t("portal.file.identity")}>
              <label class="choice">
                <input
                  type="radio"
                  name="identity"
                  checked={draft.identity === "identified"}
                  onChange={() => change({ identity: "identified" })}
                />
                {t("portal.file.identified")}
              </label>
              <label class="choice">
                <input
                  type="radio"
                  name="identity"
                  checked={draft.identity === "anonymous"}
                  onChange={() => change({ identity: "anonymous" })}
                />
                {t("portal.file.anonymous")}
              </label>
            </div>
          ) : (
            <p class="hint">{t("portal.file.no_anonymous")}</p>
          )}
          {draft.identity === "identified" ? (
            <>
              <Field id="name" label={t("portal.file.name")}>
                <input
                  id="name"
                  type="text"
                  autocomplete="name"
                  value={draft.name}
                  onInput={(e) => change({ name: (e.target as HTMLInputElement).value })}
                />
              </Field>
              <Field id="email" label={t("portal.file.email")} hint={t("portal.file.email_hint")}>
                <input
                  id="email"
                  type="email"
                  autocomplete="email"
                  aria-describedby="email-hint"
                  value={draft.email}
                  onInput={(e) => change({ email: (e.target as HTMLInputElement).value })}
                />
              </Field>
              <Field id="phone" label={t("portal.file.phone")}>
                <input
                  id="phone"
                  type="tel"
                  autocomplete="tel"
                  value={draft.phone}
                  onInput={(e) => change({ phone: (e.target as HTMLInputElement).value })}
                />
              </Field>
              <label class="choice">
                <input
                  type="checkbox"
                  checked={draft.consent}
                  onChange={(e) => change({ consent: (e.target as HTMLInputElement).checked })}
                />
                {t("portal.file.consent")}
              </label>
            </>
          ) : null}
        </fieldset>
        <ProblemAlert problem={problem} t={t} />
        {waiting ? (
          <p class="notice" role="status">
            {navigator.onLine ? t("portal.file.sending") : t("portal.file.queued_offline")}
          </p>
        ) : null}
        <button type="submit" disabled={waiting !== null && navigator.onLine}>
          {t("portal.file.submit")}
        </button>
      </form>
    </>
  );
}
