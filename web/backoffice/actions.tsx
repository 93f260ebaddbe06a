/**
 * The forms of an order's actions that need words: the reason to return it, the question for the citizen, and the
 * department (from GET /api/v1/departments) and reason to reroute it. Each is a disclosure, closed until needed.
 */
import { useState } from "preact/hooks";
import type { StaffEnv } from "../ui/staff.tsx";
import { useDepartments } from "./orders.tsx";

/** A form with one text: the reason to return the order, or the question for the citizen. */
export function ReasonForm(props: {
  env: StaffEnv;
  id: "return" | "complement";
  busy: boolean;
  onSubmit: (text: string) => Promise<boolean>;
}) {
  const { t } = props.env;
  const [text, setText] = useState("");
  const fieldId = `${props.id}-text`;
  return (
    <details>
      <summary>{t(`backoffice.order.${props.id}.title`)}</summary>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (await props.onSubmit(text)) setText("");
        }}
      >
        <div class="field">
          <label for={fieldId}>{t(`backoffice.order.${props.id}.label`)}</label>
          <p class="hint" id={`${fieldId}-hint`}>
            {t(`backoffice.order.${props.id}.hint`)}
          </p>
          <textarea
            id={fieldId}
            aria-describedby={`${fieldId}-hint`}
            required
            minLength={props.id === "return" ? 5 : 10}
            maxLength={2000}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </div>
        <button type="submit" disabled={props.busy}>
          {t(`backoffice.order.${props.id}.submit`)}
        </button>
      </form>
    </details>
  );
}

/** Sends the order on to another department, picked from the city's departments, with a reason. */
export function RerouteForm(props: {
  env: StaffEnv;
  own: string;
  busy: boolean;
  run: (action: string, body?: unknown) => Promise<boolean>;
}) {
  const { t } = props.env;
  const departments = useDepartments(props.env, true).filter((d) => d.code !== props.own);
  const [target, setTarget] = useState("");
  const [reason, setReason] = useState("");
  return (
    <details>
      <summary>{t("backoffice.order.reroute.title")}</summary>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (await props.run("reroute", { department: target, reason })) setReason("");
        }}
      >
        <div class="field">
          <label for="reroute-department">{t("backoffice.order.reroute.department")}</label>
          <select
            id="reroute-department"
            required
            value={target}
            onChange={(e) => setTarget(e.currentTarget.value)}
          >
            <option value="">{t("backoffice.order.reroute.choose")}</option>
            {departments.map((d) => (
              <option key={d.code} value={d.code}>
                {d.name} ({d.code})
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="reroute-reason">{t("backoffice.order.reroute.reason")}</label>
          <textarea
            id="reroute-reason"
            required
            minLength={5}
            maxLength={2000}
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
        </div>
        <button type="submit" disabled={props.busy}>
          {t("backoffice.order.reroute.submit")}
        </button>
      </form>
    </details>
  );
}
