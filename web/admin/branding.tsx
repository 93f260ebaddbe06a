/**
 * The city's visual identity (issue 16): the name every screen shows (none: the platform's), its colour picked from
 * the accessible palette (domain/palette.ts) with a live preview of the header, and its logo. The shells read the
 * branding when they load, so a change shows on each screen's next load.
 */
import { useRef, useState } from "preact/hooks";
import { ProblemAlert } from "../ui/components.tsx";
import type { Translate } from "../ui/i18n.ts";
import { useLoad } from "../ui/load.ts";
import type { StaffEnv } from "../ui/staff.tsx";
import { StatusLine, sendJson, useChange } from "./change.tsx";
import { ConfirmButton } from "./confirm-button.tsx";
import { FieldError, FormField, fieldProblem } from "./form-field.tsx";
import type { AdminScreenProps } from "./main.tsx";

/** GET /api/v1/branding's answer (server/branding/schemas.ts BrandingView). */
interface Branding {
  name: string | null;
  colour: string;
  colourHex: string;
  logoUrl: string | null;
  palette: { key: string; hex: string }[];
}

/** The types and size the server takes for a logo (server/branding/commands.ts), checked here before sending. */
const LOGO_TYPES = ["image/png", "image/webp"];
const LOGO_BYTES = 256 * 1024;

/** The branding section. */
export function BrandingScreen(props: AdminScreenProps) {
  const { t, locale } = props.env;
  const [loaded, loadProblem] = useLoad<Branding>("/api/v1/branding", locale);
  return (
    <section>
      <h1 tabIndex={-1}>{t("admin.sections.branding")}</h1>
      <p>{t("admin.branding.intro")}</p>
      {loaded ? (
        <BrandingForms env={props.env} loaded={loaded} />
      ) : loadProblem ? (
        <ProblemAlert problem={loadProblem} t={t} />
      ) : (
        <p role="status">{t("ui.loading")}</p>
      )}
    </section>
  );
}

function BrandingForms(props: { env: StaffEnv; loaded: Branding }) {
  const { t, locale } = props.env;
  const [view, setView] = useState(props.loaded);
  const [name, setName] = useState(view.name ?? "");
  const [colour, setColour] = useState(view.colour);
  const change = useChange();
  const hexOf = (key: string) => view.palette.find((p) => p.key === key)?.hex ?? view.colourHex;
  const submit = async (e: Event) => {
    e.preventDefault();
    const saved = await change.run(
      () => sendJson<Branding>("/api/v1/branding", { name: name.trim() || null, colour }, locale, "PUT"),
      t("admin.branding.saved"),
    );
    if (saved) {
      setView(saved);
      setName(saved.name ?? "");
    }
  };
  return (
    <>
      <section class="card" aria-labelledby="brand-title">
        <h2 id="brand-title">{t("admin.branding.name_and_colour")}</h2>
        <ProblemAlert problem={change.problem} t={t} />
        <form onSubmit={submit}>
          <FormField
            id="brand-name"
            label={t("admin.branding.name")}
            hint={t("admin.branding.name_hint", { platform: t("admin.branding.platform_name") })}
            error={fieldProblem(change.problem, "name", t)}
          >
            {(control) => (
              <input
                {...control}
                type="text"
                maxLength={80}
                autocomplete="organization"
                value={name}
                onInput={(e) => setName(e.currentTarget.value)}
              />
            )}
          </FormField>
          <fieldset aria-describedby="brand-colour-hint">
            <legend>{t("admin.branding.colour")}</legend>
            <p class="hint" id="brand-colour-hint">
              {t("admin.branding.colour_hint")}
            </p>
            <div class="a-swatches">
              {view.palette.map((p) => (
                <div class="choice" key={p.key}>
                  <input
                    type="radio"
                    id={`brand-colour-${p.key}`}
                    name="brand-colour"
                    value={p.key}
                    checked={colour === p.key}
                    onChange={() => setColour(p.key)}
                  />
                  <label for={`brand-colour-${p.key}`}>
                    <span class="a-swatch" aria-hidden="true" style={{ background: p.hex }} />
                    {colourName(t, p.key)}
                  </label>
                </div>
              ))}
            </div>
          </fieldset>
          <HeaderPreview
            t={t}
            name={name.trim() || t("admin.branding.platform_name")}
            hex={hexOf(colour)}
            logoUrl={view.logoUrl}
          />
          <button type="submit" disabled={change.busy}>
            {t("admin.branding.save")}
          </button>
        </form>
        <StatusLine text={change.status} />
      </section>
      <LogoCard env={props.env} view={view} onView={setView} />
    </>
  );
}

/** A colour's name in the page's language (the palette's keys are pt-BR words). */
const colourName = (t: Translate, key: string) => {
  const text = t(`admin.branding.colours.${key}`);
  return text === `admin.branding.colours.${key}` ? key : text;
};

/** The header as the screens will draw it: white text on the chosen colour, the logo beside the name. */
function HeaderPreview(props: { t: Translate; name: string; hex: string; logoUrl: string | null }) {
  return (
    <figure class="a-preview">
      <figcaption id="brand-preview-caption">{props.t("admin.branding.preview")}</figcaption>
      <div class="a-brand-preview" data-testid="brand-preview" style={{ background: props.hex }}>
        {props.logoUrl ? <img src={props.logoUrl} alt="" height={32} /> : null}
        <span>{props.name}</span>
      </div>
    </figure>
  );
}

/** Reads a chosen file as a data URL (what PUT /api/v1/branding/logo takes). */
function readDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error("FileReader"));
    reader.readAsDataURL(file);
  });
}

/** The logo: the current one, a file to send in its place, and its removal after confirming. */
function LogoCard(props: { env: StaffEnv; view: Branding; onView: (view: Branding) => void }) {
  const { t, locale } = props.env;
  const { view } = props;
  const file = useRef<HTMLInputElement>(null);
  const [localError, setLocalError] = useState<string | undefined>();
  const change = useChange();
  const refuse = (text: string) => {
    setLocalError(text);
    change.clear();
    file.current?.focus();
  };
  const upload = async (e: Event) => {
    e.preventDefault();
    const chosen = file.current?.files?.[0];
    if (!chosen) return refuse(t("admin.branding.logo_none_chosen"));
    if (!LOGO_TYPES.includes(chosen.type)) return refuse(t("admin.branding.logo_type"));
    if (chosen.size > LOGO_BYTES) return refuse(t("admin.branding.logo_size", { max: "256 KB" }));
    setLocalError(undefined);
    const saved = await change.run(
      async () =>
        sendJson<Branding>("/api/v1/branding/logo", { image: await readDataUrl(chosen) }, locale, "PUT"),
      t("admin.branding.logo_saved"),
    );
    if (saved) {
      props.onView(saved);
      if (file.current) file.current.value = "";
    } else file.current?.focus();
  };
  const remove = async () => {
    setLocalError(undefined);
    const saved = await change.run(
      () => sendJson<Branding>("/api/v1/branding/logo", undefined, locale, "DELETE"),
      t("admin.branding.logo_removed"),
    );
    if (saved) props.onView(saved);
    return saved;
  };
  const error = localError ?? fieldProblem(change.problem, "image", t);
  const describedBy = ["brand-logo-hint", error ? "brand-logo-error" : ""].filter(Boolean).join(" ");
  return (
    <section class="card" aria-labelledby="logo-title">
      <h2 id="logo-title" tabIndex={-1}>
        {t("admin.branding.logo")}
      </h2>
      <ProblemAlert problem={change.problem} t={t} />
      {view.logoUrl ? (
        <p class="a-logo">
          <img src={view.logoUrl} alt={t("admin.branding.logo_current")} data-testid="current-logo" />
        </p>
      ) : (
        <p>{t("admin.branding.logo_absent")}</p>
      )}
      <form onSubmit={upload}>
        <div class="field">
          <label for="brand-logo">{t("admin.branding.logo_file")}</label>
          <p class="hint" id="brand-logo-hint">
            {t("admin.branding.logo_hint", { max: "256 KB" })}
          </p>
          <input
            id="brand-logo"
            ref={file}
            type="file"
            accept={LOGO_TYPES.join(",")}
            aria-describedby={describedBy}
            aria-invalid={error ? "true" : undefined}
            onChange={() => setLocalError(undefined)}
          />
          <FieldError id="brand-logo" text={error} />
        </div>
        <p class="row">
          <button type="submit" disabled={change.busy}>
            {t("admin.branding.logo_send")}
          </button>
          {view.logoUrl ? (
            <ConfirmButton
              t={t}
              label={t("admin.branding.logo_remove")}
              question={t("admin.branding.logo_remove_question")}
              disabled={change.busy}
              focusAfter="logo-title"
              onConfirm={remove}
            />
          ) : null}
        </p>
      </form>
      <StatusLine text={change.status} />
    </section>
  );
}
