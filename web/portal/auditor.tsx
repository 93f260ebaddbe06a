/**
 * "Citizen auditor" (/auditor-cidadao, issue 18): a signed-in citizen with a proven mobile number enrols to be called
 * about the services on their block: the place (an address, or a point on the map), the days and hours they accept a
 * call, the channel, how many calls a week at most, and their consent to the text shown (its version goes with it).
 * Enrolled, they see their block and choices, change them, pause and resume the calls, or leave at once. Loaded on
 * demand: not part of the first screen's script.
 */
import { useEffect, useState } from "preact/hooks";
import { AUDITOR_CONSENT_VERSION } from "../../domain/auditors.ts";
import { ApiProblem, api } from "../ui/api.ts";
import { Field, ProblemAlert } from "../ui/components.tsx";
import { withLang } from "../ui/i18n.ts";
import { AuditorPlace, type PlaceChoice } from "./auditor-place.tsx";
import { type CallWindow, WindowsEditor } from "./auditor-windows.tsx";
import type { Env } from "./env.ts";

const CHANNELS = ["voice", "whatsapp", "sms"] as const;
type Channel = (typeof CHANNELS)[number];

/** The citizen's own enrolment as GET /api/v1/citizen/auditor answers it. */
interface OwnAuditor {
  state: "active" | "paused" | "revoked";
  phone: string;
  channel: Channel;
  block: { id: number; sector: string; block: string };
  address: string | null;
  point: { lat: number; lon: number } | null;
  windows: CallWindow[];
  maxCallsPerWeek: number;
}

const json = (method: string, body?: unknown): RequestInit => ({
  method,
  ...(body === undefined
    ? {}
    : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
});

const asProblem = (e: unknown) => (e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", ""));

/** A number in E.164 digits, grouped as people read it (+55 11 98765-4321). */
function spacedPhone(phone: string): string {
  const m = /^\+?55(\d{2})(\d{4,5})(\d{4})$/.exec(phone);
  return m ? `+55 ${m[1]} ${m[2]}-${m[3]}` : phone;
}

/** The enrolment form: a new one, or the change of the one held (`held`). */
function EnrolForm(props: {
  env: Env;
  phone: string;
  held: OwnAuditor | null;
  onSaved: (saved: OwnAuditor) => void;
  onCancel?: () => void;
}) {
  const { t, locale } = props.env;
  const held = props.held;
  const [place, setPlace] = useState<PlaceChoice>(
    held?.point && !held.address
      ? { kind: "point", point: held.point, address: "" }
      : { kind: "address", point: null, address: held?.address ?? "" },
  );
  const [windows, setWindows] = useState<CallWindow[]>(
    held?.windows ?? [{ weekday: 2, starts: "18:00", ends: "20:00" }],
  );
  const [channel, setChannel] = useState<Channel>(held?.channel ?? "voice");
  const [max, setMax] = useState(String(held?.maxCallsPerWeek ?? 2));
  const [consent, setConsent] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setProblem(null);
    setBusy(true);
    try {
      const where =
        place.kind === "point" ? { point: place.point ?? undefined } : { address: place.address.trim() };
      const body = {
        ...where,
        windows,
        channel,
        language: locale,
        maxCallsPerWeek: Number(max),
        consent,
        consentTextVersion: AUDITOR_CONSENT_VERSION,
      };
      props.onSaved(await api<OwnAuditor>("/api/v1/citizen/auditor", json("PUT", body), locale));
    } catch (e) {
      setProblem(asProblem(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby="auditor-form-title">
      <h2 id="auditor-form-title">
        {t(held ? "portal.auditor.change_title" : "portal.auditor.enrol_title")}
      </h2>
      <p>{t("portal.auditor.phone_used", { phone: spacedPhone(props.phone) })}</p>
      <AuditorPlace env={props.env} value={place} onChange={setPlace} />
      <WindowsEditor env={props.env} windows={windows} onChange={setWindows} />
      <fieldset>
        <legend>{t("portal.auditor.channel_legend")}</legend>
        {CHANNELS.map((c) => (
          <label class="choice" key={c}>
            <input type="radio" name="channel" checked={channel === c} onChange={() => setChannel(c)} />
            {t(`portal.auditor.channel_${c}`)}
          </label>
        ))}
      </fieldset>
      <Field id="auditor-max" label={t("portal.auditor.max_label")}>
        <select id="auditor-max" value={max} onChange={(e) => setMax((e.target as HTMLSelectElement).value)}>
          {[1, 2, 3, 4, 5, 6, 7].map((n) => (
            <option key={n} value={String(n)}>
              {t("portal.auditor.max_option", { count: n })}
            </option>
          ))}
        </select>
      </Field>
      <section class="consent-text" aria-labelledby="auditor-consent-title">
        <h3 id="auditor-consent-title">{t("portal.auditor.consent_title")}</h3>
        <p>{t("portal.auditor.consent_text")}</p>
        <p class="hint">{t("portal.auditor.consent_version", { version: AUDITOR_CONSENT_VERSION })}</p>
      </section>
      <label class="choice">
        <input
          type="checkbox"
          checked={consent}
          onChange={(e) => setConsent((e.target as HTMLInputElement).checked)}
        />
        {t("portal.auditor.consent_check")}
      </label>
      <ProblemAlert problem={problem} t={t} />
      <button type="submit" class="button" disabled={busy}>
        {t(held ? "portal.auditor.save" : "portal.auditor.enrol")}
      </button>
      {props.onCancel ? (
        <button type="button" class="button secondary" onClick={props.onCancel}>
          {t("portal.auditor.cancel")}
        </button>
      ) : null}
    </form>
  );
}

/** What the enrolled citizen sees: their block and choices, and what they can do with them. */
function Enrolment(props: { env: Env; auditor: OwnAuditor; onChanged: (a: OwnAuditor | null) => void }) {
  const { t, locale } = props.env;
  const a = props.auditor;
  const [editing, setEditing] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [said, setSaid] = useState("");

  const setState = async (state: "active" | "paused") => {
    setProblem(null);
    try {
      const body = { state, consent: true, consentTextVersion: AUDITOR_CONSENT_VERSION };
      props.onChanged(await api<OwnAuditor>("/api/v1/citizen/auditor", json("PUT", body), locale));
      setSaid(t(state === "paused" ? "portal.auditor.paused_now" : "portal.auditor.resumed_now"));
    } catch (e) {
      setProblem(asProblem(e));
    }
  };
  const leave = async () => {
    setProblem(null);
    try {
      await api("/api/v1/citizen/auditor", json("DELETE"), locale);
      props.onChanged(null);
    } catch (e) {
      setProblem(asProblem(e));
    }
  };

  if (editing)
    return (
      <EnrolForm
        env={props.env}
        phone={a.phone}
        held={a}
        onSaved={(saved) => {
          setEditing(false);
          setSaid(t("portal.auditor.saved"));
          props.onChanged(saved);
        }}
        onCancel={() => setEditing(false)}
      />
    );
  return (
    <section aria-labelledby="auditor-mine-title">
      <h2 id="auditor-mine-title">{t("portal.auditor.mine_title")}</h2>
      <dl class="auditor-facts">
        <dt>{t("portal.auditor.state_label")}</dt>
        <dd>{t(`portal.auditor.state_${a.state}`)}</dd>
        <dt>{t("portal.auditor.block_label")}</dt>
        <dd>{t("portal.auditor.block_value", { block: a.block.block, sector: a.block.sector })}</dd>
        {a.address ? (
          <>
            <dt>{t("portal.auditor.address_label")}</dt>
            <dd>{a.address}</dd>
          </>
        ) : null}
        <dt>{t("portal.auditor.phone_label")}</dt>
        <dd>{spacedPhone(a.phone)}</dd>
        <dt>{t("portal.auditor.channel_legend")}</dt>
        <dd>{t(`portal.auditor.channel_${a.channel}`)}</dd>
        <dt>{t("portal.auditor.windows_legend")}</dt>
        <dd>
          <ul>
            {a.windows.map((w) => (
              <li key={`${w.weekday}-${w.starts}`}>
                {t("portal.auditor.window_value", {
                  day: t(`portal.auditor.weekday_${w.weekday}`),
                  starts: w.starts,
                  ends: w.ends,
                })}
              </li>
            ))}
          </ul>
        </dd>
        <dt>{t("portal.auditor.max_label")}</dt>
        <dd>{t("portal.auditor.max_option", { count: a.maxCallsPerWeek })}</dd>
      </dl>
      {said ? <p role="status">{said}</p> : null}
      <ProblemAlert problem={problem} t={t} />
      <div class="auditor-actions">
        <button type="button" class="button" onClick={() => setEditing(true)}>
          {t("portal.auditor.change")}
        </button>
        <button
          type="button"
          class="button secondary"
          onClick={() => void setState(a.state === "paused" ? "active" : "paused")}
        >
          {t(a.state === "paused" ? "portal.auditor.resume" : "portal.auditor.pause")}
        </button>
      </div>
      <h3>{t("portal.auditor.leave_title")}</h3>
      <p>{t("portal.auditor.leave_text")}</p>
      {leaving ? (
        <div class="auditor-actions">
          <button type="button" class="button danger" onClick={() => void leave()}>
            {t("portal.auditor.leave_confirm")}
          </button>
          <button type="button" class="button secondary" onClick={() => setLeaving(false)}>
            {t("portal.auditor.cancel")}
          </button>
        </div>
      ) : (
        <button type="button" class="button secondary" onClick={() => setLeaving(true)}>
          {t("portal.auditor.leave")}
        </button>
      )}
    </section>
  );
}

/** The citizen-auditor screen. */
export function AuditorScreen(props: { env: Env }) {
  const { t, locale } = props.env;
  // undefined while loading; null: not signed in.
  const [phone, setPhone] = useState<string | null | undefined>(undefined);
  const [auditor, setAuditor] = useState<OwnAuditor | null>(null);
  const [left, setLeft] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);

  useEffect(() => {
    const load = async () => {
      try {
        const me = await api<{ phone: string | null }>("/api/v1/citizen/demands", {}, locale);
        try {
          setAuditor(await api<OwnAuditor>("/api/v1/citizen/auditor", {}, locale));
        } catch (e) {
          if (!(e instanceof ApiProblem && e.status === 404)) throw e;
        }
        setPhone(me.phone ?? "");
      } catch (e) {
        setPhone(null);
        if (!(e instanceof ApiProblem && e.status === 401)) setProblem(asProblem(e));
      }
    };
    void load();
  }, [locale]);

  const signIn = (
    <p>
      <a href={withLang("/minhas-solicitacoes", locale)} data-nav>
        {t("portal.auditor.sign_in")}
      </a>
    </p>
  );
  let body = <p>{t("ui.loading")}</p>;
  if (phone === null) body = signIn;
  else if (auditor)
    body = (
      <Enrolment
        env={props.env}
        auditor={auditor}
        onChanged={(a) => {
          setAuditor(a);
          if (!a) setLeft(true);
        }}
      />
    );
  else if (phone === "")
    body = (
      <>
        <p>{t("portal.auditor.phone_needed")}</p>
        {signIn}
      </>
    );
  else if (phone)
    body = (
      <EnrolForm
        env={props.env}
        phone={phone}
        held={null}
        onSaved={(saved) => {
          setLeft(false);
          setAuditor(saved);
        }}
      />
    );
  return (
    <>
      <h1 tabIndex={-1}>{t("portal.auditor.title")}</h1>
      <p>{t("portal.auditor.intro")}</p>
      {left ? <p role="status">{t("portal.auditor.left")}</p> : null}
      <ProblemAlert problem={problem} t={t} />
      {body}
    </>
  );
}
