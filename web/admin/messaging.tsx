/**
 * The city's own messaging providers (issue 16): its WhatsApp Cloud API number, Telegram bot, Twilio account, Kannel
 * gateway and the SMTP relay of its e-mails. Each shows where it comes from, the webhook address to register at the
 * provider, its shown fields, and secrets that are sent but never shown (the server says only whether they are
 * set). A provider the install's environment configures is shown read-only: only whoever runs the install changes
 * it. Modelled on the sign-in providers' screen (sign-in.tsx).
 */
import { useState } from "preact/hooks";
import { ProblemAlert } from "../ui/components.tsx";
import { useLoad } from "../ui/load.ts";
import type { StaffEnv } from "../ui/staff.tsx";
import { StatusLine, sendJson, useChange } from "./change.tsx";
import { ConfirmButton } from "./confirm-button.tsx";
import { CopyField } from "./copy-field.tsx";
import { FieldError, FormField, fieldProblem, focusFirstInvalid } from "./form-field.tsx";
import type { AdminScreenProps } from "./main.tsx";
import {
  bodyOf,
  formOf,
  MESSAGING_PROVIDERS,
  type MessagingProvider,
  type MessagingProviders,
  type MessagingProviderView,
  PROVIDER_FIELDS,
  type ProviderField,
  type ProviderForm,
} from "./messaging-fields.ts";

/** The messaging providers section. */
export function MessagingScreen(props: AdminScreenProps) {
  const { t, locale } = props.env;
  const [loaded, loadProblem] = useLoad<MessagingProviders>("/api/v1/messaging-providers", locale);
  const [providers, setProviders] = useState<MessagingProviders | null>(null);
  const shown = providers ?? loaded;
  return (
    <section>
      <h1 tabIndex={-1}>{t("admin.sections.messaging")}</h1>
      <p>{t("admin.messaging.intro")}</p>
      {shown ? (
        MESSAGING_PROVIDERS.map((key) => (
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

function ProviderCard(props: {
  env: StaffEnv;
  provider: MessagingProvider;
  view: MessagingProviderView;
  onSaved: (providers: MessagingProviders) => void;
}) {
  const { t, locale } = props.env;
  const { provider, view } = props;
  const [form, setForm] = useState(() => formOf(provider, view));
  const change = useChange();
  const fromEnvironment = view.readOnly;
  // A city on the install's account sets its own with every secret: only its own stored ones are kept when empty.
  const ownSecretSet = view.source === "tenant" && view.secretSet;
  const state = view.source === "environment" && !view.readOnly ? "install" : view.source;
  const id = (field: string) => `msg-${provider}-${field}`;
  const titleId = id("title");
  const path = `/api/v1/messaging-providers/${provider}`;
  const name = t(`admin.messaging.${provider}.name`);
  const said = (key: string) => t(`admin.messaging.${key}`, { provider: name });
  const saved = (answer: MessagingProviders | undefined) => {
    if (!answer) return;
    props.onSaved(answer);
    setForm(formOf(provider, answer[provider]));
  };
  const save = async (e: Event) => {
    e.preventDefault();
    const answer = await change.run(
      () => sendJson<MessagingProviders>(path, bodyOf(provider, form), locale, "PUT"),
      said("saved"),
    );
    if (answer) saved(answer);
    else focusFirstInvalid();
  };
  const remove = async () => {
    const answer = await change.run(
      () => sendJson<MessagingProviders>(path, undefined, locale, "DELETE"),
      said("removed"),
    );
    saved(answer);
    return answer;
  };
  const server = provider === "email" ? view.settings?.server : undefined;
  return (
    <section class="card a-provider" aria-labelledby={titleId} data-testid={`messaging-${provider}`}>
      <h2 id={titleId} tabIndex={-1}>
        {t(`admin.messaging.${provider}.title`)}
      </h2>
      <p>{t(`admin.messaging.${provider}.who`)}</p>
      <p>
        <strong>{t("admin.messaging.state")}</strong>{" "}
        <span data-testid={`${provider}-state`}>{t(`admin.messaging.state_${state}`)}</span>
        {view.secretSet ? (
          <>
            {" · "}
            <span data-testid={`${provider}-secret-state`}>{t("admin.messaging.secret_set")}</span>
          </>
        ) : null}
        {typeof server === "string" ? (
          <>
            {" · "}
            <span data-testid={`${provider}-server`}>{t("admin.messaging.email.server", { server })}</span>
          </>
        ) : null}
      </p>
      {view.webhookUrl ? (
        <CopyField
          t={t}
          id={id("webhook")}
          label={t("admin.messaging.webhook")}
          hint={t(`admin.messaging.${provider}.webhook_hint`)}
          value={view.webhookUrl}
        />
      ) : null}
      {fromEnvironment ? <p class="notice">{t("admin.messaging.environment")}</p> : null}
      <ProblemAlert problem={change.problem} t={t} />
      <form onSubmit={save}>
        <fieldset>
          <legend>{said("fields")}</legend>
          {PROVIDER_FIELDS[provider].map((field) => (
            <Field
              key={field.name}
              env={props.env}
              provider={provider}
              field={field}
              id={id(field.name)}
              form={form}
              readOnly={fromEnvironment}
              secretSet={ownSecretSet}
              error={fieldProblem(change.problem, field.name, t)}
              onValue={(value) => setForm({ ...form, [field.name]: value })}
            />
          ))}
        </fieldset>
        {fromEnvironment ? null : (
          <p class="row">
            <button type="submit" disabled={change.busy}>
              {said("save")}
            </button>
            {view.source === "tenant" ? (
              <ConfirmButton
                t={t}
                label={said("remove")}
                question={said("remove_question")}
                disabled={change.busy}
                focusAfter={titleId}
                onConfirm={remove}
              />
            ) : null}
          </p>
        )}
      </form>
      <StatusLine text={change.status} compact />
    </section>
  );
}

/** The input type of each kind of field (a check is drawn apart). */
const INPUT_TYPES = {
  text: "text",
  url: "url",
  number: "number",
  secret: "password",
  check: "checkbox",
} as const;

/** One field of a provider: a checkbox, a number, a text or URL, or a secret (never shown, kept when left empty). */
function Field(props: {
  env: StaffEnv;
  provider: MessagingProvider;
  field: ProviderField;
  id: string;
  form: ProviderForm;
  readOnly: boolean;
  secretSet: boolean;
  error: string | undefined;
  onValue: (value: string | boolean) => void;
}) {
  const { t } = props.env;
  const { field, id, readOnly, secretSet, error } = props;
  const key = `admin.messaging.${props.provider}.${field.name}`;
  const value = props.form[field.name];
  if (field.kind === "check")
    return (
      <div class="choice">
        <input
          type="checkbox"
          id={id}
          checked={value === true}
          disabled={readOnly}
          aria-describedby={`${id}-hint${error ? ` ${id}-error` : ""}`}
          aria-invalid={error ? true : undefined}
          onChange={(e) => props.onValue(e.currentTarget.checked)}
        />
        <label for={id}>{t(key)}</label>
        <p class="hint" id={`${id}-hint`}>
          {t(`${key}_hint`)}
        </p>
        <FieldError id={id} text={error} />
      </div>
    );
  // A secret is never shown: the environment's is not asked for, a set one is kept when left empty.
  if (field.kind === "secret" && readOnly) return null;
  const required = field.kind === "secret" ? !secretSet : !field.optional && !readOnly;
  const hint =
    field.kind === "secret"
      ? `${t(`${key}_hint`)} ${t(secretSet ? "admin.messaging.secret_keep_hint" : "admin.messaging.secret_first_hint")}`
      : t(`${key}_hint`);
  return (
    <FormField
      id={id}
      label={t(key)}
      hint={hint}
      error={error}
      required={required}
      requiredText={t("ui.required")}
    >
      {(control) => (
        <input
          {...control}
          type={INPUT_TYPES[field.kind] as "text"}
          {...(field.kind === "number" ? { min: 1, max: 10, step: 1 } : {})}
          required={required}
          readOnly={readOnly}
          autocomplete={field.kind === "secret" ? "new-password" : "off"}
          spellcheck={false}
          value={String(value ?? "")}
          onInput={(e) => props.onValue(e.currentTarget.value)}
        />
      )}
    </FormField>
  );
}
