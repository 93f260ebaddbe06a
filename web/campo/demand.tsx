/**
 * "Nova demanda" from the field: a service searched among the downloaded ones, what is wrong, photos, and where (the
 * GPS, or the block's centre). Kept with a clientId and sent with the next sync, where it becomes a normal demand
 * with its protocol (shown on the waiting list once the server gives it).
 */
import { useState } from "preact/hooks";
import { withLang } from "../ui/i18n.ts";
import { navigate } from "../ui/router.ts";
import { blockName } from "./day.tsx";
import { type CampoEnv, PATHS } from "./env.ts";
import { currentPlace } from "./photos.ts";
import { FilesInput } from "./question.tsx";
import { searchServices } from "./services.ts";
import { keepDemand } from "./store.ts";
import type { DayService, Place } from "./sync.ts";

/** The new demand's form. */
export function DemandScreen(props: { env: CampoEnv; url: URL }) {
  const { env, url } = props;
  const { t, locale, kept } = env;
  const day = kept.day;
  const visitId = Number(url.searchParams.get("visita")) || undefined;
  const visit = day?.routes.flatMap((r) => r.visits).find((v) => v.id === visitId);
  const [blockId, setBlockId] = useState<number | undefined>(visit?.blockId);
  const [query, setQuery] = useState("");
  const [service, setService] = useState<DayService | null>(null);
  const [description, setDescription] = useState("");
  const [photos, setPhotos] = useState<string[]>([]);
  const [place, setPlace] = useState<Place | null>(null);
  const [locating, setLocating] = useState<"idle" | "busy" | "failed">("idle");
  const [errors, setErrors] = useState<string[]>([]);
  const block = day?.blocks.find((b) => b.id === (blockId ?? visit?.blockId));
  const found = searchServices(day?.services ?? [], query);
  const locate = async () => {
    setLocating("busy");
    const at = await currentPlace();
    if (at) setPlace(at);
    setLocating(at ? "idle" : "failed");
  };
  const submit = async (event: Event) => {
    event.preventDefault();
    const location = place ?? (block ? { lat: block.centre.lat, lng: block.centre.lng } : null);
    const missing = [
      ...(service ? [] : ["service"]),
      ...(description.trim().length >= 3 ? [] : ["description"]),
      ...(location ? [] : ["location"]),
    ];
    setErrors(missing);
    if (!service || !location || missing.length > 0) return;
    await keepDemand({
      clientId: crypto.randomUUID(),
      inspectorId: env.me.id,
      service: service.code,
      serviceName: service.name,
      description: description.trim(),
      location,
      ...(block ? { blockId: block.id } : {}),
      ...(visit ? { visitId: visit.id } : {}),
      photos,
      createdAt: new Date().toISOString(),
      state: "waiting",
    });
    navigate(withLang(visit ? `/campo/visita/${visit.id}` : PATHS.waiting, locale));
  };
  if (!day) {
    return (
      <section>
        <h1 tabIndex={-1}>{t("campo.demand.title")}</h1>
        <p>{t("campo.day.none")}</p>
      </section>
    );
  }
  const error = (name: string) =>
    errors.includes(name) ? (
      <p class="field-error" id={`demand-${name}-error`}>
        {t(`campo.demand.errors.${name}`)}
      </p>
    ) : null;
  return (
    <section aria-labelledby="demand-title">
      <h1 id="demand-title" tabIndex={-1}>
        {t("campo.demand.title")}
      </h1>
      <form onSubmit={submit} noValidate>
        <div class="field">
          <label for="demand-service">{t("campo.demand.service")}</label>
          {service ? (
            <p class="chosen" data-testid="demand-chosen">
              {service.name} ({service.groupName}){" "}
              <button type="button" class="secondary" onClick={() => setService(null)}>
                {t("campo.demand.change_service")}
              </button>
            </p>
          ) : (
            <>
              <input
                id="demand-service"
                type="search"
                autocomplete="off"
                value={query}
                aria-describedby={errors.includes("service") ? "demand-service-error" : undefined}
                onInput={(e) => setQuery((e.currentTarget as HTMLInputElement).value)}
              />
              <ul class="options">
                {found.map((s) => (
                  <li key={s.code}>
                    <button type="button" class="secondary choice-button" onClick={() => setService(s)}>
                      {s.name} <span class="hint">{s.groupName}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
          {error("service")}
        </div>
        <div class="field">
          <label for="demand-description">{t("campo.demand.description")}</label>
          <textarea
            id="demand-description"
            value={description}
            aria-describedby={errors.includes("description") ? "demand-description-error" : undefined}
            onInput={(e) => setDescription((e.currentTarget as HTMLTextAreaElement).value)}
          />
          {error("description")}
        </div>
        <div class="field">
          <label for="demand-photos">{t("campo.demand.photos")}</label>
          <FilesInput id="demand-photos" kind="photo" value={photos} t={t} max={5} onChange={setPhotos} />
        </div>
        <div class="field">
          <label for="demand-block">{t("campo.demand.block")}</label>
          <select
            id="demand-block"
            value={block ? String(block.id) : ""}
            onChange={(e) => setBlockId(Number((e.currentTarget as HTMLSelectElement).value) || undefined)}
          >
            <option value="">{t("campo.demand.no_block")}</option>
            {day.blocks.map((b) => (
              <option key={b.id} value={String(b.id)}>
                {blockName(b)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <p class="label">{t("campo.demand.location")}</p>
          <p class="row">
            <button type="button" class="secondary big" onClick={locate} disabled={locating === "busy"}>
              {t("campo.answer.use_gps")}
            </button>
          </p>
          <p role="status">
            {locating === "busy"
              ? t("campo.answer.locating")
              : place
                ? t("campo.answer.located", {
                    lat: place.lat.toFixed(5),
                    lng: place.lng.toFixed(5),
                    accuracy: place.accuracy ?? "?",
                  })
                : block
                  ? t("campo.demand.block_centre")
                  : locating === "failed"
                    ? t("campo.answer.no_gps")
                    : ""}
          </p>
          {error("location")}
        </div>
        <p class="row">
          <button type="submit" class="big">
            {t("campo.demand.keep")}
          </button>
        </p>
      </form>
    </section>
  );
}
