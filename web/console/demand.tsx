/**
 * A demand taken from the queue, shown whole (description, place, photos, timeline, possible duplicates), with what
 * triage does to it: reclassify (suggester and catalogue search), dispatch (the matrix's department or a named
 * one), merge into a duplicate, cancel with a reason, or give it back to the queue.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { QUEUE_STATUSES } from "../../domain/status.ts";
import type { AttributeView } from "../portal/attributes.tsx";
import { ApiProblem, api } from "../ui/api.ts";
import { Field, ProblemAlert } from "../ui/components.tsx";
import { formatWhen, withLang } from "../ui/i18n.ts";
import { LiveBadge } from "../ui/live.tsx";
import { navigate } from "../ui/router.ts";
import { ShortcutList, useShortcuts } from "../ui/shortcuts.tsx";
import { send } from "../ui/staff.tsx";
import { DemandFacts } from "./demand-facts.tsx";
import { type DemandView, type Department, UnlinkForm } from "./demand-parts.tsx";
import { type ConsoleProps, keepFocus, PATHS } from "./env.ts";
import { type QueueLine, type Taken, takeNext, takenItems } from "./queue.tsx";
import { type ServiceChoice, ServicePicker, suggestionShortcuts, useSuggestions } from "./service-picker.tsx";

/** Statuses in which triage may still act on a demand (as the server's reclassify and dispatch allow). */
const OPEN_FOR_TRIAGE = new Set<string>([...QUEUE_STATUSES, "triaged"]);

/** The demand screen. */
export function DemandScreen(props: ConsoleProps & { protocol: string }) {
  const { env, live, protocol } = props;
  const { t, locale, me } = env;
  const [demand, setDemand] = useState<DemandView | null>(null);
  const [line, setLine] = useState<QueueLine | null>(null);
  const [duplicates, setDuplicates] = useState<Taken["duplicates"]>(
    takenItems.get(protocol)?.duplicates ?? [],
  );
  const [departments, setDepartments] = useState<Department[]>([]);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [chosen, setChosen] = useState<ServiceChoice | null>(null);
  const [department, setDepartment] = useState("");
  const [into, setInto] = useState("");
  const [reason, setReason] = useState("");
  const suggested = useSuggestions(demand?.description ?? "", locale);
  const proposals = takenItems.get(protocol)?.suggestions ?? suggested;

  const load = useCallback(() => {
    api<DemandView>(`/api/v1/demands/${protocol}?lang=${locale}`, {}, locale)
      .then(setDemand)
      .catch((e) => setProblem(e instanceof ApiProblem ? e : null));
    api<QueueLine[]>("/api/v1/triage/queue?limit=500", {}, locale)
      .then((lines) => setLine(lines.find((l) => l.protocol === protocol) ?? null))
      .catch(() => undefined);
  }, [protocol, locale]);
  useEffect(() => {
    load();
    api<Department[]>("/api/v1/departments", {}, locale)
      .then((d) => setDepartments(d.filter((x) => x.active)))
      .catch(() => undefined);
    return live.subscribe((m) => {
      if (m.kind === "reset" || (m.kind === "event" && m.protocol === protocol)) load();
    });
  }, [load]);

  // The names of the service's extra fields and of their options (the demand holds their codes).
  const [fields, setFields] = useState<AttributeView[]>([]);
  const serviceCode = demand?.service.code;
  useEffect(() => {
    if (!serviceCode) return;
    api<{ attributes: AttributeView[] }>(
      `/api/v1/services/${encodeURIComponent(serviceCode)}?lang=${locale}`,
      {},
      locale,
    )
      .then((s) => setFields(s.attributes))
      .catch(() => undefined);
  }, [serviceCode, locale]);

  // Candidates near the demand's point, when it was opened from a link rather than taken (no list came with it).
  useEffect(() => {
    if (takenItems.has(protocol) || !demand?.location) return;
    const { lat, lon } = demand.location;
    api<{ protocol: string; status: string }[]>(
      `/api/v1/duplicate-candidates?service=${encodeURIComponent(demand.service.code)}&lat=${lat}&lon=${lon}`,
      {},
      locale,
    )
      .then((found) =>
        setDuplicates(
          found.filter((d) => d.protocol !== protocol).map((d) => ({ ...d, distanceM: Number.NaN })),
        ),
      )
      .catch(() => undefined);
  }, [demand?.location, demand?.service.code]);

  // One action at a time; a ref, not the state: a double click comes before the next render and would send twice.
  const working = useRef(false);
  const [busy, setBusy] = useState(false);
  const guarded = async (work: () => Promise<void>) => {
    if (working.current) return;
    working.current = true;
    const restore = keepFocus();
    setBusy(true);
    try {
      await work();
    } finally {
      working.current = false;
      setBusy(false);
      restore();
    }
  };

  const act = (path: string, body: unknown, message: string) =>
    guarded(async () => {
      setProblem(null);
      setDone(null);
      try {
        await send(`/api/v1/demands/${protocol}/${path}`, body, locale);
        setDone(message);
        load();
        // The pressed button may go with the form (the demand left triage): the focus goes to the heading.
        document.getElementById("demand-title")?.focus();
      } catch (e) {
        setProblem(e instanceof ApiProblem ? e : null);
      }
    });
  const release = () =>
    guarded(async () => {
      setProblem(null);
      try {
        await send(`/api/v1/triage/${protocol}/release`, undefined, locale);
        navigate(withLang(PATHS.queue, locale));
      } catch (e) {
        setProblem(e instanceof ApiProblem ? e : null);
      }
    });
  const next = () =>
    guarded(async () => {
      setProblem(null);
      try {
        if (!(await takeNext(locale))) setDone(t("console.queue.empty"));
      } catch (e) {
        setProblem(e instanceof ApiProblem ? e : null);
      }
    });

  const picks = suggestionShortcuts(t, proposals, setChosen);
  const heldByMe = line?.claimedBy === me.id;
  const own = [
    ...picks.bound,
    { keys: "Alt+N", label: t("console.queue.take_next"), run: next },
    ...(heldByMe ? [{ keys: "Alt+L", label: t("console.demand.release"), run: release }] : []),
  ];
  useShortcuts(own);

  if (!demand) {
    return (
      <section>
        <h1 tabIndex={-1}>{t("console.demand.title", { protocol })}</h1>
        {problem ? <ProblemAlert problem={problem} t={t} /> : <p role="status">{t("ui.loading")}</p>}
      </section>
    );
  }
  const open = OPEN_FOR_TRIAGE.has(demand.status);
  return (
    <section aria-labelledby="demand-title">
      <h1 id="demand-title" tabIndex={-1}>
        {t("console.demand.title", { protocol })}
      </h1>
      <LiveBadge t={t} state={live.state} />
      <ShortcutList
        t={t}
        shortcuts={[...picks.shown, ...own.slice(picks.bound.length), ...props.frameShortcuts]}
      />
      <p data-testid="hold">
        {line === null
          ? t("console.demand.not_queued")
          : line.claimedBy === null
            ? t("console.queue.free")
            : t(heldByMe ? "console.queue.held_by_you" : "console.queue.held_by_other", {
                id: line.claimedBy,
                until: formatWhen(line.claimedUntil!, locale),
              })}
      </p>
      {/* Always there, so what it is given is announced. */}
      <p class={done ? "notice" : undefined} role="status">
        {done ?? ""}
      </p>
      <ProblemAlert problem={problem} t={t} />
      <div class="columns">
        <DemandFacts
          t={t}
          locale={locale}
          demand={demand}
          fields={fields}
          duplicates={duplicates}
          canListen={props.env.can("recordings.listen")}
        />
        <div>
          <h2>{t("console.demand.actions")}</h2>
          {!open ? (
            <>
              <p>{t("console.demand.closed_for_triage")}</p>
              {demand.status === "merged" ? (
                <UnlinkForm
                  t={t}
                  busy={busy}
                  onUnlink={() => void act("unlink", {}, t("console.demand.unlinked"))}
                />
              ) : null}
            </>
          ) : (
            <>
              <form
                class="card"
                aria-labelledby="reclassify-title"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (chosen)
                    void act(
                      "reclassify",
                      { service: chosen.code },
                      t("console.demand.reclassified", { name: chosen.name }),
                    );
                }}
              >
                <h3 id="reclassify-title">{t("console.demand.reclassify")}</h3>
                <ServicePicker
                  t={t}
                  locale={locale}
                  id="reclassify"
                  suggestions={proposals}
                  chosen={chosen}
                  onPick={setChosen}
                />
                <button type="submit" disabled={busy || !chosen || chosen.code === demand.service.code}>
                  {t("console.demand.reclassify")}
                </button>
              </form>
              <form
                class="card"
                aria-labelledby="dispatch-title"
                onSubmit={(e) => {
                  e.preventDefault();
                  void act("dispatch", department ? { department } : {}, t("console.demand.dispatched"));
                }}
              >
                <h3 id="dispatch-title">{t("console.demand.dispatch")}</h3>
                <Field id="dispatch-department" label={t("console.demand.department")}>
                  <select
                    id="dispatch-department"
                    value={department}
                    onChange={(e) => setDepartment((e.target as HTMLSelectElement).value)}
                  >
                    <option value="">{t("console.demand.matrix_department")}</option>
                    {departments.map((d) => (
                      <option key={d.code} value={d.code}>
                        {d.name}
                      </option>
                    ))}
                  </select>
                </Field>
                <button type="submit" disabled={busy}>
                  {t("console.demand.dispatch")}
                </button>
              </form>
              <form
                class="card"
                aria-labelledby="merge-title"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (into.trim())
                    void act("merge", { into: into.trim() }, t("console.demand.merged", { into }));
                }}
              >
                <h3 id="merge-title">{t("console.demand.merge")}</h3>
                <Field
                  id="merge-into"
                  label={t("console.demand.merge_into")}
                  hint={t("console.demand.merge_hint")}
                >
                  <input
                    id="merge-into"
                    type="text"
                    inputMode="numeric"
                    autocomplete="off"
                    list="merge-candidates"
                    aria-describedby="merge-into-hint"
                    value={into}
                    onInput={(e) => setInto((e.target as HTMLInputElement).value)}
                  />
                </Field>
                <datalist id="merge-candidates">
                  {duplicates.map((d) => (
                    <option key={d.protocol} value={d.protocol} />
                  ))}
                </datalist>
                <button type="submit" class="secondary" disabled={busy}>
                  {t("console.demand.merge")}
                </button>
              </form>
              <form
                class="card"
                aria-labelledby="cancel-title"
                onSubmit={(e) => {
                  e.preventDefault();
                  void act("cancel", { reason: reason.trim() }, t("console.demand.cancelled"));
                }}
              >
                <h3 id="cancel-title">{t("console.demand.cancel")}</h3>
                <Field
                  id="cancel-reason"
                  label={t("console.demand.reason")}
                  hint={t("console.demand.reason_hint")}
                >
                  <textarea
                    id="cancel-reason"
                    rows={2}
                    aria-describedby="cancel-reason-hint"
                    value={reason}
                    onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
                  />
                </Field>
                <button type="submit" class="secondary" disabled={busy}>
                  {t("console.demand.cancel")}
                </button>
              </form>
            </>
          )}
          <p class="row">
            {heldByMe ? (
              <button type="button" class="secondary" onClick={release} disabled={busy}>
                {t("console.demand.release")} <kbd>Alt+L</kbd>
              </button>
            ) : null}
            <button type="button" class="secondary" onClick={next} disabled={busy}>
              {t("console.queue.take_next")} <kbd>Alt+N</kbd>
            </button>
          </p>
        </div>
      </div>
    </section>
  );
}
