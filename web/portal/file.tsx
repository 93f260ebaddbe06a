/**
 * Filing a demand: the service's extra fields from its attribute definitions, photos checked before upload, a point
 * on the map or an address, identified, confidential or anonymous where the service allows, and the deadline told
 * before sending. Problems are shown at their fields, listed at the top, and the focus goes to the first one. The
 * draft is kept in IndexedDB as it is typed; on submit it goes to the outbox with one Idempotency-Key, so going
 * offline only delays it and a resend never duplicates it.
 */
import "./file.css";
import { useEffect, useRef, useState } from "preact/hooks";
import type { DeadlineSpec } from "../../domain/business-time.ts";
import { ApiProblem, api } from "../ui/api.ts";
import { describedBy, ErrorSummary, Field, focusField, ProblemAlert } from "../ui/components.tsx";
import { withLang } from "../ui/i18n.ts";
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
import { DuplicateCandidates } from "./duplicates.tsx";
import type { Env } from "./env.ts";
import { checkDraft, type FieldErrors, serverFieldErrors } from "./file-checks.ts";
import { NextSteps, rememberFiled } from "./filed.tsx";
import { IdentityFields } from "./identity.tsx";
import { PhotoPicker } from "./photo-picker.tsx";
import { PlaceFields } from "./place.tsx";

interface ServiceDetail {
  code: string;
  name: string;
  description: string;
  requirements: string;
  demandType: string;
  deadline: DeadlineSpec;
  locationRequired: boolean;
  anonymousAllowed: boolean;
  attributes: AttributeView[];
}

/** A problem+json answer of the intake, as the outbox hands it back. */
type Refusal = Created & {
  code?: string;
  title?: string;
  detail?: string;
  errors?: { field: string; code: string; detail?: string }[];
};

/** The filing screen of one service; `initialText` is what the person typed on the home page's search. */
export function FileScreen(props: { env: Env; code: string; initialText?: string }) {
  const { t, locale } = props.env;
  const [service, setService] = useState<ServiceDetail | null>(null);
  const [draft, setDraft] = useState<Draft>(emptyDraft(props.code));
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [waiting, setWaiting] = useState<string | null>(null);
  const loaded = useRef(false);

  useEffect(() => {
    api<ServiceDetail>(`/api/v1/services/${encodeURIComponent(props.code)}?lang=${locale}`, {}, locale)
      .then(setService)
      .catch((e) => setProblem(e instanceof ApiProblem ? e : null));
    loadDraft(props.code).then((kept) => {
      // The words typed on the home page start the description, unless a kept draft already has one.
      const initial = props.initialText?.trim() ?? "";
      setDraft((d) => {
        const base = kept ?? d;
        return initial && !base.description.trim() ? { ...base, description: initial } : base;
      });
      loaded.current = true;
    });
  }, [props.code, locale]);

  useEffect(() => {
    if (loaded.current) void saveDraft(draft);
  }, [draft]);

  // A draft kept from before may say anonymous for a service that no longer allows it.
  useEffect(() => {
    if (service && !service.anonymousAllowed && draft.identity === "anonymous")
      setDraft((d) => ({ ...d, identity: "identified" }));
  }, [service, draft.identity]);

  // Shows the problems at their fields and in the summary, and puts the focus in the first field.
  const showErrors = (found: FieldErrors) => {
    setErrors(found);
    const first = Object.keys(found)[0];
    if (first) requestAnimationFrame(() => focusField(null, first));
  };

  // The outbox answers for the submission this screen queued, now or when the phone is back online.
  useEffect(() => {
    const onSent = (e: Event) => {
      const { submission, status, body } = (e as CustomEvent).detail as {
        submission: { key: string };
        status: number;
        body: Refusal;
      };
      if (submission.key !== waiting) return;
      setWaiting(null);
      if (status === 200 || status === 201) {
        rememberFiled(body);
        navigate(`${withLang(`/demanda/${body.protocol}`, locale)}#novo`);
        return;
      }
      const fields = service
        ? serverFieldErrors(body.errors ?? [], service, body.detail ?? t("ui.error_title"))
        : {};
      setProblem(new ApiProblem(status, body.code ?? "", body.title ?? "", body.detail ?? ""));
      if (Object.keys(fields).length > 0) showErrors(fields);
      else requestAnimationFrame(() => document.getElementById("form-problem")?.focus());
    };
    addEventListener("responsiva:sent", onSent);
    return () => removeEventListener("responsiva:sent", onSent);
  }, [waiting, locale, service]);

  const change = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));

  const submit = async (e: Event) => {
    e.preventDefault();
    setProblem(null);
    if (!service) return;
    const found = checkDraft(draft, service, t);
    if (Object.keys(found).length > 0) return showErrors(found);
    setErrors({});
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
  const labelOf = (id: string): string => {
    const attribute = service.attributes.find((a) => `attr-${a.code}` === id);
    if (attribute) return attribute.description;
    if (id === "identity-identified") return t("portal.file.identity");
    return t(`portal.file.${id}`);
  };
  const listed = Object.entries(errors).map(([id, message]) => ({ id, label: labelOf(id), message }));
  return (
    <>
      <h1 tabIndex={-1}>{service.name}</h1>
      {service.description ? <p>{service.description}</p> : null}
      {service.requirements ? <p class="hint">{service.requirements}</p> : null}
      <form onSubmit={submit} noValidate>
        <ErrorSummary title={t("portal.file.errors.summary", { count: listed.length })} errors={listed} />
        {problem && listed.length === 0 ? (
          <div id="form-problem" tabIndex={-1}>
            <ProblemAlert problem={problem} t={t} />
          </div>
        ) : null}
        <Field
          id="description"
          label={t("portal.file.description")}
          hint={t("portal.file.description_hint")}
          error={errors.description}
          required
          requiredText={required}
        >
          <textarea
            id="description"
            required
            aria-invalid={"description" in errors}
            aria-describedby={describedBy("description", "hint", errors.description)}
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
            error={errors[`attr-${a.code}`]}
            onChange={(v) => change({ attributes: { ...draft.attributes, [a.code]: v } })}
          />
        ))}
        <PlaceFields
          env={props.env}
          address={draft.address}
          location={draft.location}
          required={service.locationRequired}
          error={errors.address}
          onChange={change}
        />
        <DuplicateCandidates env={props.env} service={service.code} point={draft.location} />
        <PhotoPicker
          env={props.env}
          photos={draft.photos}
          error={errors.photos}
          onChange={(photos) => change({ photos })}
        />
        <IdentityFields
          env={props.env}
          draft={draft}
          anonymousAllowed={service.anonymousAllowed}
          errors={errors}
          onChange={change}
        />
        <NextSteps env={props.env} service={service} />
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
