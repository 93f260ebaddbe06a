/**
 * What a questionnaire asks about, picked from the catalogue: one service (its group first, then the service), or
 * a whole service group. Shared by the new questionnaire's form and the XLSForm import.
 */
import { apiAll } from "../ui/all-pages.ts";
import { type Reader, useLoad, useRead } from "../ui/load.ts";
import type { StaffEnv } from "../ui/staff.tsx";
import { FormField } from "./form-field.tsx";

/** The subject being picked: a service of `group` (when kind is "service"), or the group itself. */
export interface SubjectChoice {
  kind: "service" | "group";
  group: string;
  service: string;
}

/** Nothing picked yet. */
export const NO_SUBJECT: SubjectChoice = { kind: "service", group: "", service: "" };

/** The body's fields that name the subject: `service` or `serviceGroup` (nothing when not picked). */
export function subjectFields(choice: SubjectChoice): { service?: string; serviceGroup?: string } {
  if (choice.kind === "group") return choice.group ? { serviceGroup: choice.group } : {};
  return choice.service ? { service: choice.service } : {};
}

interface Group {
  code: string;
  parent: string | null;
  name: string;
}

/** The service groups in the catalogue's order: each Tema followed by its Assuntos. */
export function useGroups(locale: string): Group[] | null {
  const [groups] = useLoad<Group[]>("/api/v1/service-groups", locale);
  if (!groups) return null;
  return groups
    .filter((root) => root.parent === null)
    .flatMap((root) => [root, ...groups.filter((g) => g.parent === root.code)]);
}

type ServiceName = { code: string; name: string };
const readServices: Reader<ServiceName[]> = (path, lang) => apiAll<ServiceName>(path, lang);

/** The active services of a group (a Tema's include its Assuntos'), for a select; null while loading. */
export function useGroupServices(group: string, locale: string): ServiceName[] | null {
  const path = group ? `/api/v1/services?group=${encodeURIComponent(group)}&limit=1000` : null;
  const [services] = useRead(path, locale, readServices);
  return group ? services : [];
}

/**
 * The subject's fields: kind (service or group), the group, and the service of that group. `errors` are the
 * server's words for `service` and `serviceGroup`.
 */
export function SubjectPicker(props: {
  env: StaffEnv;
  id: string;
  value: SubjectChoice;
  errors: { service?: string | undefined; serviceGroup?: string | undefined };
  onChange: (value: SubjectChoice) => void;
}) {
  const { t, locale } = props.env;
  const { value, id } = props;
  const groups = useGroups(locale);
  const services = useGroupServices(value.kind === "service" ? value.group : "", locale);
  const set = (change: Partial<SubjectChoice>) => props.onChange({ ...value, ...change });
  return (
    <fieldset>
      <legend>{t("admin.questionnaires.subject")}</legend>
      <div class="a-checks" role="radiogroup" aria-label={t("admin.questionnaires.subject_kind")}>
        {(["service", "group"] as const).map((kind) => (
          <div class="choice" key={kind}>
            <input
              id={`${id}-kind-${kind}`}
              type="radio"
              name={`${id}-kind`}
              checked={value.kind === kind}
              onChange={() => set({ kind, service: "" })}
            />
            <label for={`${id}-kind-${kind}`}>{t(`admin.questionnaires.kind_${kind}`)}</label>
          </div>
        ))}
      </div>
      <FormField
        id={`${id}-group`}
        label={t("admin.questionnaires.group")}
        hint={value.kind === "group" ? t("admin.questionnaires.group_hint") : undefined}
        // The server names "service" when neither was given: in a group's choice, that is this field's problem.
        error={value.kind === "group" ? (props.errors.serviceGroup ?? props.errors.service) : undefined}
        value={value.group}
        onValue={(group) => set({ group, service: "" })}
        options={
          <>
            <option value="">{t("admin.questionnaires.choose")}</option>
            {(groups ?? []).map((g) => (
              <option key={g.code} value={g.code}>
                {g.parent ? `— ${g.name}` : g.name}
              </option>
            ))}
          </>
        }
      />
      {value.kind === "service" ? (
        <FormField
          id={`${id}-service`}
          label={t("admin.questionnaires.service")}
          error={props.errors.service}
          value={value.service}
          onValue={(service) => set({ service })}
          options={
            <>
              <option value="">
                {value.group ? t("admin.questionnaires.choose") : t("admin.questionnaires.group_first")}
              </option>
              {(services ?? []).map((s) => (
                <option key={s.code} value={s.code}>
                  {s.name} ({s.code})
                </option>
              ))}
            </>
          }
        />
      ) : null}
    </fieldset>
  );
}
