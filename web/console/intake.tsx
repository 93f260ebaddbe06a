/**
 * The intake form of the phone and the counter, keyboard first: the agent types the citizen's words; an address said
 * in them ("na Rua Augusta 1200") fills the address field by itself (or the agent types one there); the suggester's
 * services appear as they type (Alt+1 picks the first), the address is placed as it is typed (the best match taken
 * unless another is picked), and Ctrl+Enter registers. The protocol is then
 * shown big, focused, with the text to read back.
 */
import type { ComponentChild } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { PRIVACY_POLICY_VERSION } from "../../domain/privacy.ts";
import { AttributeField, type AttributeView } from "../portal/attributes.tsx";
import { ApiProblem, api } from "../ui/api.ts";
import { Field, ProblemAlert } from "../ui/components.tsx";
import { type Shortcut, ShortcutList, useShortcuts } from "../ui/shortcuts.tsx";
import type { StaffEnv } from "../ui/staff.tsx";
import { lookUp, type Place } from "./geocode.ts";
import { AddressField, useAddress } from "./intake-address.tsx";
import { IntakePerson, type PersonValues } from "./intake-person.tsx";
import { isLinkDown, keptService, type PendingDemand } from "./offline.ts";
import { KeptView } from "./pending.tsx";
import { printReceipt, type Registered, RegisteredView } from "./registered.tsx";
import { type ServiceChoice, ServicePicker, suggestionShortcuts, useSuggestions } from "./service-picker.tsx";

interface ServiceDetail extends ServiceChoice {
  locationRequired: boolean;
  anonymousAllowed: boolean;
  attributes: (AttributeView & { order: number })[];
}

/** The demand body the form builds (POST /api/v1/demands and POST /api/v1/calls/:id/demands). */
export interface IntakeBody {
  service: string;
  description: string;
  identity: "identified" | "confidential" | "anonymous";
  address?: string;
  location?: { lat: number; lon: number };
  attributes: Record<string, unknown>;
  citizen?: {
    name?: string;
    document?: string;
    phone?: string;
    email?: string;
    /** The person was told the privacy notice of this version and agreed (domain/privacy.ts). */
    consent?: { policyVersion: string };
  };
}

/** Which person fields the form asks: the counter's full set, an unknown caller's name, or none. */
export type PersonFields = "counter" | "caller-name" | "none";

/** The intake form, and the protocol once registered. */
export function IntakeForm(props: {
  env: StaffEnv;
  /** The channel the demand comes by: phone, counter, or a conversation's (whatsapp, sms, telegram, email, chat). */
  channel: string;
  person: PersonFields;
  /** What the description starts with (the citizen's messages of a conversation). */
  initialDescription?: string;
  frameShortcuts: Shortcut[];
  /** Puts the cursor in the description as soon as the form shows (an answered call). */
  autoFocus?: boolean;
  register: (body: IntakeBody, idempotencyKey: string) => Promise<Registered>;
  /**
   * Keeps the demand in the browser to be sent when the link is back (offline.ts), when registering found no link
   * to the server: with the same key, so it is made once whatever happens; with the district of the street picked
   * from the kept list, if one was, where it is placed when sent.
   */
  keepOffline?: (
    body: IntakeBody,
    idempotencyKey: string,
    serviceName: string,
    districtCode: string | undefined,
  ) => Promise<PendingDemand>;
  /** Called once a demand is registered (e.g. to refresh the caller's history). */
  onRegistered?: (r: Registered) => void;
  /** A map beside the address (the phone screen's, web/console/place-map.tsx): shows the place, picks another. */
  placeMap?: (props: {
    place: Place | null;
    onPick: (place: Place, address: string) => void;
  }) => ComponentChild;
}) {
  const { t, locale } = props.env;
  const [description, setDescription] = useState(props.initialDescription ?? "");
  const where = useAddress(description, locale);
  const [chosen, setChosen] = useState<ServiceChoice | null>(null);
  const [detail, setDetail] = useState<ServiceDetail | null>(null);
  const [attributes, setAttributes] = useState<Record<string, unknown>>({});
  const [identity, setIdentity] = useState<IntakeBody["identity"]>("identified");
  const [person, setPerson] = useState<PersonValues>({ name: "", document: "", phone: "", email: "" });
  const [consented, setConsented] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Registered | null>(null);
  const [kept, setKept] = useState<PendingDemand | null>(null);
  const key = useRef(crypto.randomUUID());
  const detailLoad = useRef<Promise<ServiceDetail> | null>(null);
  const suggestions = useSuggestions(description, locale, props.channel);

  useEffect(() => {
    // After the frame in which navigate() focuses the new screen's heading.
    if (props.autoFocus) requestAnimationFrame(() => document.getElementById("intake-description")?.focus());
  }, []);

  const loadDetail = (code: string) => {
    const load = api<ServiceDetail>(
      `/api/v1/services/${encodeURIComponent(code)}?lang=${locale}`,
      {},
      locale,
    ).catch(async (e) => {
      // No link: the service as the offline kit keeps it.
      const service = isLinkDown(e) ? await keptService(locale, code) : undefined;
      if (service) return service;
      throw e;
    });
    detailLoad.current = load;
    load
      .then((d) => {
        if (detailLoad.current !== load) return;
        setDetail(d);
        // "Anonymous" chosen for the previous service is not offered by this one.
        if (!d.anonymousAllowed) setIdentity((i) => (i === "anonymous" ? "identified" : i));
      })
      .catch((e) => {
        // Forgotten, so registering asks again instead of awaiting the failed load.
        if (detailLoad.current === load) detailLoad.current = null;
        setProblem(e instanceof ApiProblem ? e : null);
      });
    return load;
  };

  const pick = (s: ServiceChoice) => {
    setProblem(null);
    setChosen(s);
    setDetail(null);
    setAttributes({});
    void loadDetail(s.code);
  };

  const refuse = (message: string, focusId: string) => {
    setProblem(new ApiProblem(422, "incomplete", message, ""));
    document.getElementById(focusId)?.focus();
  };

  const submitting = useRef(false);
  const submit = async () => {
    // A ref, not the state: two quick Ctrl+Enter presses come before the next render.
    if (submitting.current || done || kept) return;
    setProblem(null);
    if (!description.trim()) return refuse(t("console.intake.need_description"), "intake-description");
    if (!chosen) return refuse(t("console.intake.need_service"), "intake-service-search");
    setBusy(true);
    submitting.current = true;
    let body: IntakeBody | undefined;
    try {
      const service =
        detail?.code === chosen.code ? detail : await (detailLoad.current ?? loadDetail(chosen.code));
      const missing = service.attributes.find((a) => a.required && isBlank(attributes[a.code]));
      if (missing)
        return refuse(
          t("console.intake.need_attribute", { field: missing.description }),
          `attr-${missing.code}`,
        );
      const typed = where.address.trim();
      let place: Place | null = where.placeOf(typed);
      // Typed but not placed yet (registered faster than the lookup): place it now with the best match.
      let down = false;
      if (!place && typed.length >= 4) {
        const found = await lookUp(typed, locale, where.street?.districtCode ?? undefined);
        down = found === "down";
        place = found === "down" ? null : (found[0] ?? null);
      }
      // Without the link, a typed address (or a street picked from the kept list) is kept and placed when the
      // demand is sent (offline.ts).
      if (service.locationRequired && !place && !(down && props.keepOffline))
        return refuse(t("console.intake.need_place"), "intake-address");
      if (props.person === "counter" && identity !== "anonymous" && !person.name.trim())
        return refuse(t("console.intake.need_name"), "intake-name");
      const citizen: NonNullable<IntakeBody["citizen"]> = Object.fromEntries(
        Object.entries(person)
          .map(([k, v]) => [k, v.trim()])
          .filter(([, v]) => v !== ""),
      );
      // The agent read the privacy notice and the person agreed: recorded with the demand as declared.
      if (consented && Object.keys(citizen).length > 0)
        citizen.consent = { policyVersion: PRIVACY_POLICY_VERSION };
      body = {
        service: service.code,
        description: description.trim(),
        identity,
        attributes: Object.fromEntries(Object.entries(attributes).filter(([, v]) => !isBlank(v))),
        // The address as typed is kept (with its complements); the point is the place found for it.
        ...(typed ? { address: typed } : {}),
        ...(place ? { location: { lat: place.lat, lon: place.lon } } : {}),
        ...(identity !== "anonymous" && Object.keys(citizen).length > 0 ? { citizen } : {}),
      };
      const registered = await props.register(body, key.current);
      setDone(registered);
      props.onRegistered?.(registered);
    } catch (e) {
      if (body && props.keepOffline && isLinkDown(e)) {
        try {
          const district = where.street?.districtCode ?? undefined;
          setKept(await props.keepOffline(body, key.current, chosen.name, district));
          return;
        } catch {
          // The browser's storage refused it too: say the link is down, and the form keeps what was typed.
        }
      }
      setProblem(e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", ""));
    } finally {
      submitting.current = false;
      setBusy(false);
    }
  };

  const reset = () => {
    setDescription("");
    where.reset();
    setChosen(null);
    setDetail(null);
    setAttributes({});
    setIdentity("identified");
    setPerson({ name: "", document: "", phone: "", email: "" });
    setConsented(false);
    setProblem(null);
    setDone(null);
    setKept(null);
    key.current = crypto.randomUUID();
    requestAnimationFrame(() => document.getElementById("intake-description")?.focus());
  };

  const picks = suggestionShortcuts(t, suggestions, pick);
  const own: Shortcut[] = kept
    ? [{ keys: "Alt+N", label: t("console.intake.new"), run: reset }]
    : done
      ? [
          { keys: "Alt+N", label: t("console.intake.new"), run: reset },
          ...(done.receiptUrl
            ? [{ keys: "Alt+P", label: t("console.intake.print_receipt"), run: () => printReceipt(done) }]
            : []),
        ]
      : [
          ...picks.bound,
          {
            keys: "Alt+S",
            label: t("console.service.search"),
            run: () => document.getElementById("intake-service-search")?.focus(),
          },
          { keys: "Ctrl+Enter", label: t("console.intake.register"), run: () => void submit() },
        ];
  useShortcuts(own);
  const shown = [
    ...(done || kept ? own : [...picks.shown, ...own.slice(picks.bound.length)]),
    ...props.frameShortcuts,
  ];

  if (done) return <RegisteredView t={t} done={done} shortcuts={shown} onNew={reset} />;
  if (kept) return <KeptView t={t} kept={kept} shortcuts={shown} onNew={reset} />;

  const required = t("ui.required");
  const who = (
    <IntakePerson
      t={t}
      fields={props.person}
      identity={identity}
      anonymousAllowed={detail === null || detail.anonymousAllowed}
      person={person}
      consented={consented}
      onIdentity={setIdentity}
      onPerson={setPerson}
      onConsented={setConsented}
    />
  );
  return (
    <form
      class="intake"
      aria-labelledby="intake-title"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <ShortcutList t={t} shortcuts={shown} />
      <h2 id="intake-title">{t("console.intake.title")}</h2>
      {/* At the counter the person is there first; on the phone the caller's words come first. */}
      {props.person === "counter" ? who : null}
      <div class="columns">
        <div>
          <Field
            id="intake-description"
            label={t("console.intake.description")}
            required
            requiredText={required}
          >
            <textarea
              id="intake-description"
              rows={4}
              required
              value={description}
              onInput={(e) => setDescription((e.target as HTMLTextAreaElement).value)}
            />
          </Field>
          <AddressField t={t} state={where} placeMap={props.placeMap} />
        </div>
        <ServicePicker
          t={t}
          locale={locale}
          id="intake-service"
          suggestions={suggestions}
          chosen={chosen}
          onPick={pick}
        />
      </div>
      {detail
        ? detail.attributes.map((a) => (
            <AttributeField
              key={a.code}
              attribute={a}
              value={attributes[a.code] as string | undefined}
              requiredText={required}
              onChange={(v) => setAttributes({ ...attributes, [a.code]: v })}
            />
          ))
        : null}
      {props.person === "counter" ? null : who}
      <ProblemAlert problem={problem} t={t} />
      <button type="submit" disabled={busy}>
        {t("console.intake.register")} <kbd>Ctrl+Enter</kbd>
      </button>
    </form>
  );
}

function isBlank(v: unknown): boolean {
  return v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
}
