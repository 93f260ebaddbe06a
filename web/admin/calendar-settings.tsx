/** The calendar settings deadlines are counted with: time zone, opening hours per weekday, national days worked. */
import { useState } from "preact/hooks";
import { ProblemAlert } from "../ui/components.tsx";
import { useLoad } from "../ui/load.ts";
import type { StaffEnv } from "../ui/staff.tsx";
import { StatusLine, sendJson, useChange } from "./change.tsx";
import { FormField, fieldProblem } from "./form-field.tsx";

type Interval = [string, string];
interface Settings {
  timeZone: string;
  hours: Partial<Record<string, Interval[]>>;
  skippedNational: string[];
  nationalKeys: string[];
}

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

// "08:00-12:00, 13:00-18:00" ⇄ [["08:00","12:00"],["13:00","18:00"]]; empty means closed.
const hoursText = (intervals: Interval[] | undefined) =>
  (intervals ?? []).map(([a, b]) => `${a}-${b}`).join(", ");
function parseHours(text: string): Interval[] | null {
  if (!text.trim()) return [];
  const out: Interval[] = [];
  for (const part of text.split(",")) {
    const m = /^\s*(\d{2}:\d{2})\s*[-–]\s*(\d{2}:\d{2})\s*$/.exec(part);
    if (!m) return null;
    out.push([m[1]!, m[2]!]);
  }
  return out;
}

/** Loads the settings, then shows their form. */
export function CalendarSettings(props: { env: StaffEnv; onSaved: () => void }) {
  const { t, locale } = props.env;
  const [settings, loadProblem] = useLoad<Settings>("/api/v1/calendar/settings", locale);
  if (!settings) return <ProblemAlert problem={loadProblem} t={t} />;
  return <SettingsForm env={props.env} settings={settings} onSaved={props.onSaved} />;
}

function SettingsForm(props: { env: StaffEnv; settings: Settings; onSaved: () => void }) {
  const { t, locale } = props.env;
  const { settings } = props;
  const [timeZone, setTimeZone] = useState(settings.timeZone);
  const [hours, setHours] = useState<Record<string, string>>(
    Object.fromEntries(WEEKDAYS.map((d) => [d, hoursText(settings.hours[d])])),
  );
  const [skipped, setSkipped] = useState<string[]>(settings.skippedNational);
  const [badDays, setBadDays] = useState<string[]>([]);
  const change = useChange();
  const submit = async (e: Event) => {
    e.preventDefault();
    const parsed = Object.fromEntries(WEEKDAYS.map((d) => [d, parseHours(hours[d] ?? "")]));
    const bad = WEEKDAYS.filter((d) => parsed[d] === null);
    setBadDays(bad);
    if (bad.length > 0) {
      document.getElementById(`hours-${bad[0]}`)?.focus();
      return;
    }
    const body = {
      timeZone,
      hours: Object.fromEntries(WEEKDAYS.filter((d) => parsed[d]!.length > 0).map((d) => [d, parsed[d]])),
      skippedNational: skipped,
    };
    if (await change.run(() => sendJson("/api/v1/calendar/settings", body, locale, "PUT"), t("staff.saved")))
      props.onSaved();
  };
  const tzError = fieldProblem(change.problem, "timeZone", t);
  return (
    <section class="card" aria-labelledby="calendar-settings-title">
      <h2 id="calendar-settings-title">{t("admin.calendar.settings")}</h2>
      <ProblemAlert problem={change.problem} t={t} />
      <StatusLine text={change.status} />
      <form onSubmit={submit}>
        <FormField
          id="calendar-tz"
          label={t("admin.calendar.time_zone")}
          hint={t("admin.calendar.time_zone_hint")}
          error={tzError}
          required
          requiredText={t("ui.required")}
          value={timeZone}
          onValue={setTimeZone}
        />
        <fieldset>
          <legend>{t("admin.calendar.hours")}</legend>
          <p class="hint" id="hours-hint">
            {t("admin.calendar.hours_hint")}
          </p>
          {WEEKDAYS.map((d) => {
            const bad = badDays.includes(d);
            return (
              <FormField
                key={d}
                id={`hours-${d}`}
                label={t(`admin.calendar.weekday.${d}`)}
                alsoDescribedBy="hours-hint"
                error={bad ? t("admin.calendar.hours_bad") : undefined}
                value={hours[d]}
                onValue={(text) => setHours({ ...hours, [d]: text })}
              />
            );
          })}
        </fieldset>
        <fieldset>
          <legend>{t("admin.calendar.skipped")}</legend>
          <p class="hint">{t("admin.calendar.skipped_hint")}</p>
          {settings.nationalKeys.map((k) => (
            <div class="choice" key={k}>
              <input
                type="checkbox"
                id={`skip-${k}`}
                checked={skipped.includes(k)}
                onChange={(e) =>
                  setSkipped(e.currentTarget.checked ? [...skipped, k] : skipped.filter((s) => s !== k))
                }
              />
              <label for={`skip-${k}`}>{t(`admin.calendar.national.${k}`)}</label>
            </div>
          ))}
        </fieldset>
        <button type="submit" disabled={change.busy}>
          {t("admin.calendar.save_settings")}
        </button>
      </form>
    </section>
  );
}
