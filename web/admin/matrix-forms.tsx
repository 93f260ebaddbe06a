/**
 * The matrix's two forms: add or replace a rule (PUT /api/v1/matrix/rules), and "who answers?", which places an
 * address (GET /api/v1/geocode) or takes a district and asks GET /api/v1/matrix/resolve.
 */
import { useRef, useState } from "preact/hooks";
import type { ApiProblem } from "../ui/api.ts";
import { api } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { asProblem } from "../ui/load.ts";
import { type StaffEnv, send } from "../ui/staff.tsx";
import { StatusLine } from "./change.tsx";
import type { Area, Department } from "./city.ts";
import { FormField, fieldProblems } from "./form-field.tsx";
import type { MatrixRule } from "./matrix.tsx";

type Areas = { districts: Area[]; subprefeituras: Area[] };

/** Creates or replaces the rule for a (service, area) key. */
export function RuleForm(props: {
  env: StaffEnv;
  departments: Department[];
  areas: Areas;
  onSaved: () => void;
  /** A service code to start with (picked from the list of services without a rule). */
  initialService?: string;
}) {
  const { t, locale } = props.env;
  const [service, setService] = useState(props.initialService ?? "");
  const [toSubprefeitura, setToSubprefeitura] = useState(false);
  const [areaKind, setAreaKind] = useState<MatrixRule["areaKind"]>("city");
  const [areaCode, setAreaCode] = useState("");
  const [department, setDepartment] = useState("");
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [status, setStatus] = useState("");
  // One save at a time: a double click must not send the rule twice.
  const busy = useRef(false);
  const [saving, setSaving] = useState(false);
  const errors = fieldProblems(problem, t);
  const list = areaKind === "district" ? props.areas.districts : props.areas.subprefeituras;

  const save = async (event: Event) => {
    event.preventDefault();
    if (busy.current) return;
    busy.current = true;
    setSaving(true);
    setProblem(null);
    setStatus("");
    try {
      const rule = await send<MatrixRule>(
        "/api/v1/matrix/rules",
        {
          service: service.trim() ? service.trim().toUpperCase() : null,
          areaKind,
          areaCode: areaKind === "city" ? null : areaCode || null,
          department,
          toSubprefeitura,
        },
        locale,
        "PUT",
      );
      setStatus(t("admin.matrix.saved", { id: rule.id }));
      props.onSaved();
    } catch (e) {
      setProblem(asProblem(e));
    } finally {
      busy.current = false;
      setSaving(false);
    }
  };

  return (
    <form class="card" onSubmit={save} aria-labelledby="rule-form-title" noValidate>
      <h2 id="rule-form-title">{t("admin.matrix.add_title")}</h2>
      <p class="hint">{t("admin.matrix.add_hint")}</p>
      <ProblemAlert problem={problem} t={t} />
      <FormField
        id="rule-service"
        label={t("admin.matrix.service_code")}
        hint={t("admin.matrix.service_code_hint")}
        error={errors.service}
        value={service}
        onValue={setService}
      />
      <FormField
        id="rule-area-kind"
        label={t("admin.matrix.area_kind")}
        error={errors.areaKind}
        value={areaKind}
        onValue={(text) => {
          setAreaKind(text as MatrixRule["areaKind"]);
          setAreaCode("");
        }}
        options={(["city", "subprefeitura", "district"] as const).map((k) => (
          <option key={k} value={k}>
            {t(`admin.matrix.kinds.${k}`)}
          </option>
        ))}
      />
      {areaKind !== "city" ? (
        <FormField
          id="rule-area"
          label={t("admin.matrix.area")}
          error={errors.areaCode}
          value={areaCode}
          onValue={setAreaCode}
          options={
            <>
              <option value="">{t("admin.services.choose")}</option>
              {list.map((a) => (
                <option key={a.code} value={a.code}>
                  {a.name} ({a.code})
                </option>
              ))}
            </>
          }
        />
      ) : null}
      <FormField
        id="rule-department"
        label={t("admin.matrix.department")}
        error={errors.department}
        value={department}
        onValue={setDepartment}
        options={
          <>
            <option value="">{t("admin.services.choose")}</option>
            {props.departments.map((d) => (
              <option key={d.code} value={d.code}>
                {d.code} — {d.name}
              </option>
            ))}
          </>
        }
      />
      <div class="field">
        <label>
          <input
            type="checkbox"
            id="rule-to-subprefeitura"
            checked={toSubprefeitura}
            onChange={(e) => setToSubprefeitura((e.target as HTMLInputElement).checked)}
          />{" "}
          {t("admin.matrix.to_subprefeitura")}
        </label>
        <p class="hint">{t("admin.matrix.to_subprefeitura_hint")}</p>
      </div>
      <button type="submit" disabled={saving}>
        {t("admin.matrix.save_rule")}
      </button>
      <StatusLine compact text={status} />
    </form>
  );
}

interface Resolution {
  department: Department;
  rule: MatrixRule;
}

/** Resolves a service in a district (or at an address) to the department that answers, and names the rule. */
export function WhoAnswers(props: { env: StaffEnv; areas: Areas }) {
  const { t, locale } = props.env;
  const [service, setService] = useState("");
  const [address, setAddress] = useState("");
  const [district, setDistrict] = useState("");
  const [answer, setAnswer] = useState<{ resolution: Resolution; district: string | null } | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [note, setNote] = useState("");
  // Each question is numbered: an answer that comes back after a newer question was asked is dropped.
  const asked = useRef(0);
  const errors = fieldProblems(problem, t);

  const ask = async (event: Event) => {
    event.preventDefault();
    const round = ++asked.current;
    const current = () => round === asked.current;
    setProblem(null);
    setAnswer(null);
    setNote("");
    try {
      let place = district;
      if (address.trim()) {
        const found = await api<{
          items: { street: string; number: number | null; districtCode: string | null }[];
        }>(`/api/v1/geocode?limit=1&q=${encodeURIComponent(address.trim())}`, {}, locale);
        if (!current()) return;
        const first = found.items[0];
        if (!first?.districtCode) {
          setNote(t("admin.matrix.address_not_placed"));
          if (!place) return;
        } else {
          place = first.districtCode;
          setNote(
            t("admin.matrix.address_placed", {
              street: `${first.street}${first.number ? `, ${first.number}` : ""}`,
              district: props.areas.districts.find((d) => d.code === place)?.name ?? place,
            }),
          );
        }
      }
      const q = new URLSearchParams({ service: service.trim().toUpperCase() });
      if (place) q.set("district", place);
      const resolution = await api<Resolution>(`/api/v1/matrix/resolve?${q}`, {}, locale);
      if (!current()) return;
      setAnswer({ resolution, district: place || null });
    } catch (e) {
      if (current()) setProblem(asProblem(e));
    }
  };

  const r = answer?.resolution;
  return (
    <form class="card" onSubmit={ask} aria-labelledby="who-title" noValidate>
      <h2 id="who-title">{t("admin.matrix.who_title")}</h2>
      <ProblemAlert problem={problem} t={t} />
      <FormField id="who-service" label={t("admin.matrix.service_code")} error={errors.service}>
        {(control) => (
          <input
            {...control}
            type="text"
            value={service}
            required
            onInput={(e) => setService((e.target as HTMLInputElement).value)}
          />
        )}
      </FormField>
      <FormField
        id="who-address"
        label={t("admin.matrix.address")}
        hint={t("admin.matrix.address_hint")}
        value={address}
        onValue={setAddress}
      />
      <FormField
        id="who-district"
        label={t("admin.matrix.district")}
        error={errors.district}
        value={district}
        onValue={setDistrict}
        options={
          <>
            <option value="">{t("admin.matrix.no_district")}</option>
            {props.areas.districts.map((a) => (
              <option key={a.code} value={a.code}>
                {a.name} ({a.code})
              </option>
            ))}
          </>
        }
      />
      <button type="submit">{t("admin.matrix.who_ask")}</button>
      <div role="status" data-testid="who-answer">
        {note ? <p>{note}</p> : null}
        {r ? (
          <p>
            {t("admin.matrix.who_answer", {
              department: `${r.department.name} (${r.department.code})`,
              service: r.rule.service ?? t("admin.matrix.any_service"),
              area:
                r.rule.areaKind === "city"
                  ? t("admin.matrix.whole_city")
                  : `${t(`admin.matrix.kinds.${r.rule.areaKind}`)} ${r.rule.areaCode}`,
            })}
          </p>
        ) : null}
      </div>
    </form>
  );
}
