/**
 * What happens next, told before sending (the service's deadline, from the catalogue) and on the confirmation after
 * it (the deadline and the date the answer is due, from the intake's answer, kept for the tab's session so a reload
 * of the confirmation still says it).
 */
import type { DeadlineSpec } from "../../domain/business-time.ts";
import { deadlineTextKey, demandDeadlineOf, formatDueDate } from "../../domain/deadline-text.ts";
import type { Created } from "./draft.ts";
import type { Env } from "./env.ts";

/** The deadline in words in the page's language: "20 dias úteis". */
export function deadlineWords(spec: DeadlineSpec, env: Env): string {
  const { key, params } = deadlineTextKey(spec, env.locale);
  return env.t(key, params);
}

/** Before sending: the deadline of the chosen service and what happens after the demand is sent. */
export function NextSteps(props: { env: Env; service: { demandType: string; deadline: DeadlineSpec } }) {
  const { t } = props.env;
  return (
    <section class="notice next-steps" aria-labelledby="next-steps-title">
      <h2 id="next-steps-title">{t("portal.file.next_title")}</h2>
      <p data-testid="deadline">
        {t("portal.file.deadline", { deadline: deadlineWords(demandDeadlineOf(props.service), props.env) })}
      </p>
      <p>{t("portal.file.next_steps")}</p>
    </section>
  );
}

const key = (protocol: string) => `responsiva:filed:${protocol}`;

/** Keeps the intake's answer about the deadline for the confirmation screen. */
export function rememberFiled(created: Created): void {
  if (!created.deadline || !created.dueAt) return;
  try {
    sessionStorage.setItem(
      key(created.protocol),
      JSON.stringify({ deadline: created.deadline, dueAt: created.dueAt }),
    );
  } catch {
    // Storage refused (private mode): the confirmation goes without the date.
  }
}

function filedOf(protocol: string): { deadline: DeadlineSpec; dueAt: string } | null {
  try {
    return JSON.parse(sessionStorage.getItem(key(protocol)) ?? "null");
  } catch {
    return null;
  }
}

/** On the confirmation: the deadline, the date the answer is due, and what happens now. */
export function FiledNotice(props: { env: Env; protocol: string }) {
  const { t, locale } = props.env;
  const filed = filedOf(props.protocol);
  if (!filed) return null;
  return (
    <div class="next-steps">
      <p data-testid="due-date">
        {t("portal.file.due", {
          deadline: deadlineWords(filed.deadline, props.env),
          date: formatDueDate(new Date(filed.dueAt), filed.deadline, locale, props.env.boot.timeZone),
        })}
      </p>
      <p>{t("portal.file.next_steps")}</p>
    </div>
  );
}
