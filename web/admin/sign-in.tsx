/**
 * The city's sign-in providers (issue 16): gov.br for its citizens and its own OpenID provider for its staff. Each
 * shows the redirect URIs to register at the provider, its issuer and client id, and a secret that is sent but
 * never shown (the server says only whether one is set). A provider the install's environment configures is shown
 * read-only: only whoever runs the install changes it.
 */
import { useState } from "preact/hooks";
import { ProblemAlert } from "../ui/components.tsx";
import { useLoad } from "../ui/load.ts";
import type { StaffEnv } from "../ui/staff.tsx";
import { StatusLine, sendJson, useChange } from "./change.tsx";
import { ConfirmButton } from "./confirm-button.tsx";
import { CopyField } from "./copy-field.tsx";
import { FormField, fieldProblem, focusFirstInvalid } from "./form-field.tsx";
import type { AdminScreenProps } from "./main.tsx";

type ProviderKey = "govbr" | "city";

/** One provider as GET /api/v1/sign-in-providers presents it (server/access/sign-in-routes.ts). */
interface ProviderView {
  configured: boolean;
  source: "environment" | "tenant" | null;
  issuer: string | null;
  clientId: string | null;
  clientSecretSet: boolean;
  confidenceApi: string | null;
  redirectUri: string;
  postLogoutRedirectUri?: string;
}
type Providers = Record<ProviderKey, ProviderView>;

const PROVIDERS: ProviderKey[] = ["govbr", "city"];

/** gov.br's production API host, the server's default when none is given (server/access/sign-in-settings.ts). */
const GOVBR_API = "https://api.acesso.gov.br";

/** The sign-in providers section. */
export function SignInScreen(props: AdminScreenProps) {
  const { t, locale } = props.env;
  const [loaded, loadProblem] = useLoad<Providers>("/api/v1/sign-in-providers", locale);
  const [providers, setProviders] = useState<Providers | null>(null);
  const shown = providers ?? loaded;
  return (
    <section>
      <h1 tabIndex={-1}>{t("admin.sections.sign_in")}</h1>
      <p>{t("admin.sign_in.intro")}</p>
      {shown ? (
        PROVIDERS.map((key) => (
          <ProviderCard key={key} env={props.env} provider={key} view={shown[key]} onSaved={setProviders} />
        ))
      ) : loadProblem ? (
        <ProblemAlert problem={loadProblem} t={t} />
      ) : (
        <p role="status">{t("ui.loading")}</p>
      )}
    </section>
  );
}

/** The form's fields, from what the server presents (the secret never: it is always typed anew). */
const formOf = (view: ProviderView) => ({
  issuer: view.issuer ?? "",
  clientId: view.clientId ?? "",
  secret: "",
  confidenceApi: view.confidenceApi ?? GOVBR_API,
});

function ProviderCard(props: {
  env: StaffEnv;
  provider: ProviderKey;
  view: ProviderView;
  onSaved: (providers: Providers) => void;
}) {
  const { t, locale } = props.env;
  const { provider, view } = props;
  const [form, setForm] = useState(() => formOf(view));
  const change = useChange();
  const fromEnvironment = view.source === "environment";
  const id = (field: string) => `${provider}-${field}`;
  const titleId = id("title");
  const path = `/api/v1/sign-in-providers/${provider}`;
  const said = (key: string) => t(`admin.sign_in.${key}`, { provider: t(`admin.sign_in.${provider}.name`) });
  const save = async (e: Event) => {
    e.preventDefault();
    const body = {
      issuer: form.issuer.trim(),
      clientId: form.clientId.trim(),
      ...(form.secret ? { clientSecret: form.secret } : {}),
      ...(provider === "govbr" && form.confidenceApi.trim()
        ? { confidenceApi: form.confidenceApi.trim() }
        : {}),
    };
    const saved = await change.run(() => sendJson<Providers>(path, body, locale, "PUT"), said("saved"));
    if (saved) {
      props.onSaved(saved);
      setForm(formOf(saved[provider]));
    } else focusFirstInvalid();
  };
  const turnOff = async () => {
    const saved = await change.run(
      () => sendJson<Providers>(path, undefined, locale, "DELETE"),
      said("removed"),
    );
    if (saved) {
      props.onSaved(saved);
      setForm(formOf(saved[provider]));
    }
    return saved;
  };
  const err = (field: string) => fieldProblem(change.problem, field, t);
  const set = (field: keyof typeof form) => (e: { currentTarget: HTMLInputElement }) =>
    setForm({ ...form, [field]: e.currentTarget.value });
  return (
    <section class="card a-provider" aria-labelledby={titleId} data-testid={`provider-${provider}`}>
      <h2 id={titleId} tabIndex={-1}>
        {t(`admin.sign_in.${provider}.title`)}
      </h2>
      <p>{t(`admin.sign_in.${provider}.who`)}</p>
      <p>
        <strong>{t("admin.sign_in.state")}</strong>{" "}
        <span data-testid={`${provider}-state`}>
          {view.configured ? t(`admin.sign_in.state_${view.source}`) : t("admin.sign_in.state_off")}
        </span>
        {view.clientSecretSet ? (
          <>
            {" · "}
            <span data-testid={`${provider}-secret-state`}>{t("admin.sign_in.secret_set")}</span>
          </>
        ) : null}
      </p>
      <CopyField
        t={t}
        id={id("redirect")}
        label={t("admin.sign_in.redirect_uri")}
        hint={t(`admin.sign_in.${provider}.redirect_hint`)}
        value={view.redirectUri}
      />
      {view.postLogoutRedirectUri ? (
        <CopyField
          t={t}
          id={id("logout")}
          label={t("admin.sign_in.logout_uri")}
          hint={t("admin.sign_in.logout_hint")}
          value={view.postLogoutRedirectUri}
        />
      ) : null}
      {fromEnvironment ? (
        <p class="notice">
          {t("admin.sign_in.environment", { prefix: provider === "govbr" ? "GOVBR_" : "STAFF_OIDC_" })}
        </p>
      ) : null}
      <ProblemAlert problem={change.problem} t={t} />
      <form onSubmit={save}>
        <FormField
          id={id("issuer")}
          label={t("admin.sign_in.issuer")}
          hint={t(`admin.sign_in.${provider}.issuer_hint`)}
          error={err("issuer")}
          required={!fromEnvironment}
          requiredText={t("ui.required")}
        >
          {(control) => (
            <input
              {...control}
              type="url"
              required
              readOnly={fromEnvironment}
              autocomplete="off"
              value={form.issuer}
              onInput={set("issuer")}
            />
          )}
        </FormField>
        <FormField
          id={id("client")}
          label={t("admin.sign_in.client_id")}
          hint={t("admin.sign_in.client_id_hint")}
          error={err("clientId")}
          required={!fromEnvironment}
          requiredText={t("ui.required")}
        >
          {(control) => (
            <input
              {...control}
              type="text"
              required
              readOnly={fromEnvironment}
              autocomplete="off"
              spellcheck={false}
              value={form.clientId}
              onInput={set("clientId")}
            />
          )}
        </FormField>
        {fromEnvironment ? null : (
          <FormField
            id={id("secret")}
            label={t("admin.sign_in.secret")}
            hint={t(
              view.clientSecretSet ? "admin.sign_in.secret_keep_hint" : "admin.sign_in.secret_first_hint",
            )}
            error={err("clientSecret")}
            required={!view.clientSecretSet}
            requiredText={t("ui.required")}
          >
            {(control) => (
              <input
                {...control}
                type="password"
                required={!view.clientSecretSet}
                autocomplete="new-password"
                value={form.secret}
                onInput={set("secret")}
              />
            )}
          </FormField>
        )}
        {provider === "govbr" ? (
          <FormField
            id={id("confidence")}
            label={t("admin.sign_in.confidence_api")}
            hint={t("admin.sign_in.confidence_api_hint", {
              production: GOVBR_API,
              staging: "https://api.staging.acesso.gov.br",
            })}
            error={err("confidenceApi")}
          >
            {(control) => (
              <input
                {...control}
                type="url"
                readOnly={fromEnvironment}
                autocomplete="off"
                value={form.confidenceApi}
                onInput={set("confidenceApi")}
              />
            )}
          </FormField>
        ) : null}
        {fromEnvironment ? null : (
          <p class="row">
            <button type="submit" disabled={change.busy}>
              {said("save")}
            </button>
            {view.source === "tenant" ? (
              <ConfirmButton
                t={t}
                label={said("turn_off")}
                question={said("turn_off_question")}
                disabled={change.busy}
                focusAfter={titleId}
                onConfirm={turnOff}
              />
            ) : null}
          </p>
        )}
      </form>
      <StatusLine text={change.status} compact />
    </section>
  );
}
