/**
 * The days and hours a citizen auditor accepts a call, for the auditor screen (auditor.tsx): one row per window (a
 * weekday, from, until), added and removed; the server checks the rules (08:00–21:00, at least an hour, no overlap)
 * and names the window that breaks one.
 */
import type { Env } from "./env.ts";

/** One weekly window: 0 Sunday … 6 Saturday, "HH:MM" to "HH:MM". */
export interface CallWindow {
  weekday: number;
  starts: string;
  ends: string;
}

/** At most this many windows (domain/auditors.ts MAX_WINDOWS). */
const MAX_ROWS = 14;

export function WindowsEditor(props: {
  env: Env;
  windows: CallWindow[];
  onChange: (w: CallWindow[]) => void;
}) {
  const { t } = props.env;
  const { windows, onChange } = props;
  const set = (i: number, change: Partial<CallWindow>) =>
    onChange(windows.map((w, j) => (j === i ? { ...w, ...change } : w)));
  const add = () => {
    const last = windows[windows.length - 1];
    onChange([...windows, { weekday: last ? (last.weekday + 1) % 7 : 1, starts: "18:00", ends: "20:00" }]);
  };
  return (
    <fieldset class="auditor-windows">
      <legend>{t("portal.auditor.windows_legend")}</legend>
      <p class="hint">{t("portal.auditor.windows_hint")}</p>
      {windows.map((w, i) => {
        const n = i + 1;
        return (
          <fieldset class="window-row" key={`${i}-${windows.length}`}>
            <legend class="visually-hidden">{t("portal.auditor.window_n", { n })}</legend>
            <span class="window-field">
              <label for={`window-${n}-day`}>{t("portal.auditor.weekday_label")}</label>
              <select
                id={`window-${n}-day`}
                value={String(w.weekday)}
                onChange={(e) => set(i, { weekday: Number((e.target as HTMLSelectElement).value) })}
              >
                {[1, 2, 3, 4, 5, 6, 0].map((d) => (
                  <option key={d} value={String(d)}>
                    {t(`portal.auditor.weekday_${d}`)}
                  </option>
                ))}
              </select>
            </span>
            {(["starts", "ends"] as const).map((edge) => (
              <span class="window-field" key={edge}>
                <label for={`window-${n}-${edge}`}>{t(`portal.auditor.${edge}_label`)}</label>
                <input
                  id={`window-${n}-${edge}`}
                  type="time"
                  min="08:00"
                  max="21:00"
                  step={900}
                  value={w[edge]}
                  onInput={(e) => set(i, { [edge]: (e.target as HTMLInputElement).value })}
                />
              </span>
            ))}
            {windows.length > 1 ? (
              <button
                type="button"
                class="button secondary"
                aria-label={t("portal.auditor.window_remove", { n })}
                onClick={() => onChange(windows.filter((_, j) => j !== i))}
              >
                {t("portal.auditor.remove")}
              </button>
            ) : null}
          </fieldset>
        );
      })}
      {windows.length < MAX_ROWS ? (
        <button type="button" class="button secondary" onClick={add}>
          {t("portal.auditor.window_add")}
        </button>
      ) : null}
    </fieldset>
  );
}
