/**
 * Phone intake. Without a call: the agent's open calls (ringing ones to answer, answered ones to go back to).
 * With one (`?chamada=<id>`): the screen pop (who calls, their open and recent demands, earlier calls) and the
 * intake form, which registers the demand on the call (channel phone, the caller as citizen).
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, withLang } from "../ui/i18n.ts";
import { LiveBadge } from "../ui/live.tsx";
import { newestOnly } from "../ui/load.ts";
import { ShortcutList } from "../ui/shortcuts.tsx";
import { type CallView, type ConsoleProps, longestRinging, PATHS } from "./env.ts";
import { IntakeForm } from "./intake.tsx";
import { keepPending } from "./offline.ts";
import { PlaceMap } from "./place-map.tsx";
import type { Registered } from "./registered.tsx";

interface CallerDemand {
  protocol: string;
  status: string;
  service: { code: string; name: string };
  openedAt: string;
  dueAt: string | null;
  open: boolean;
}

/** GET /api/v1/calls/:id: the call and its caller's history. */
interface ScreenPop {
  call: CallView;
  caller: {
    number: string | null;
    known: boolean;
    citizen: { name: string | null; demandCount: number } | null;
  };
  openDemands: CallerDemand[];
  recentDemands: CallerDemand[];
  previousCalls: {
    id: number;
    state: string;
    rangAt: string;
    endReason: string | null;
    protocols: string[];
  }[];
}

/** The phone screen; main.tsx keys it by the call, so a screen shows one call (or the list) all its life. */
export function PhoneScreen(props: ConsoleProps & { onAnswer: (call: CallView) => Promise<void> }) {
  const { env, live } = props;
  const { t, locale } = env;
  const callId = Number(props.url.searchParams.get("chamada")) || null;
  const [calls, setCalls] = useState<CallView[] | null>(null);
  const [pop, setPop] = useState<ScreenPop | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);

  // Each call event reads the list (and the pop) again: only the newest answer of each is shown (web/ui/load.ts).
  const newestCalls = useRef(newestOnly()).current;
  const newestPop = useRef(newestOnly()).current;
  const loadCalls = useCallback(() => {
    newestCalls(api<CallView[]>("/api/v1/calls", {}, locale), setCalls).catch((e) =>
      setProblem(e instanceof ApiProblem ? e : null),
    );
  }, [locale, newestCalls]);
  const loadPop = useCallback(() => {
    if (callId === null) return setPop(null);
    newestPop(api<ScreenPop>(`/api/v1/calls/${callId}`, {}, locale), setPop).catch((e) =>
      setProblem(e instanceof ApiProblem ? e : null),
    );
  }, [callId, locale, newestPop]);
  useEffect(() => {
    loadCalls();
    loadPop();
    return live.subscribe((m) => {
      if (m.kind === "call" || m.kind === "reset") loadCalls();
      // The shown call answered, transferred or hung up elsewhere: its pop is read again.
      if (m.kind === "reset" || (m.kind === "call" && callId !== null && m.callId === callId)) loadPop();
    });
  }, [loadCalls, loadPop]);

  const first = longestRinging(calls ?? []);

  if (callId === null || pop === null) {
    return (
      <section aria-labelledby="phone-title">
        <h1 id="phone-title" tabIndex={-1}>
          {t("console.phone.title")}
        </h1>
        <LiveBadge t={t} state={live.state} />
        <ShortcutList t={t} shortcuts={props.frameShortcuts} />
        <ProblemAlert problem={problem} t={t} />
        {calls === null || (callId !== null && problem === null) ? (
          <p role="status">{t("ui.loading")}</p>
        ) : calls.length === 0 ? (
          <p>{t("console.phone.no_calls")}</p>
        ) : (
          <ul class="calls" aria-label={t("console.phone.calls")}>
            {calls.map((c) => (
              <li key={c.id}>
                {c.state === "ringing" ? (
                  <>
                    <span role="status">{t("console.calls.ringing", { from: c.from ?? c.fromRaw })}</span>{" "}
                    <button type="button" onClick={() => props.onAnswer(c)}>
                      {t("console.calls.answer")}
                      {c.id === first?.id ? <kbd>Alt+A</kbd> : null}
                    </button>
                  </>
                ) : (
                  <>
                    {t("console.phone.in_progress", {
                      from: c.from ?? c.fromRaw,
                      since: formatWhen(c.answeredAt ?? c.rangAt, locale),
                    })}{" "}
                    <a href={withLang(`${PATHS.phone}?chamada=${c.id}`, locale)} data-nav>
                      {t("console.phone.open")}
                    </a>
                  </>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
    );
  }

  const caller = pop.caller;
  const who = caller.citizen?.name ?? t("console.phone.unknown_caller");
  return (
    <section aria-labelledby="phone-title">
      <h1 id="phone-title" tabIndex={-1}>
        {t("console.phone.call_title", { who })}
      </h1>
      <LiveBadge t={t} state={live.state} />
      <ProblemAlert problem={problem} t={t} />
      <div class="screen-pop card" data-testid="screen-pop">
        <h2>{t("console.phone.caller")}</h2>
        <dl class="facts">
          <dt>{t("console.phone.name")}</dt>
          <dd>{who}</dd>
          <dt>{t("console.phone.number")}</dt>
          <dd>{caller.number ?? pop.call.fromRaw}</dd>
          <dt>{t("console.phone.state")}</dt>
          <dd>{t(`console.phone.states.${pop.call.state}`)}</dd>
        </dl>
        {pop.call.state === "ringing" ? (
          <p>
            <button type="button" onClick={() => props.onAnswer(pop.call).then(loadPop)}>
              {t("console.calls.answer")}
            </button>
          </p>
        ) : null}
        <DemandList t={t} locale={locale} title={t("console.phone.open_demands")} items={pop.openDemands} />
        <DemandList
          t={t}
          locale={locale}
          title={t("console.phone.recent_demands")}
          items={pop.recentDemands.filter((d) => !d.open)}
        />
        <h3>{t("console.phone.previous_calls")}</h3>
        {pop.previousCalls.length === 0 ? (
          <p>{t("console.phone.none")}</p>
        ) : (
          <ul>
            {pop.previousCalls.map((c) => (
              <li key={c.id}>
                {formatWhen(c.rangAt, locale)} · {t(`console.phone.states.${c.state}`)}
                {c.protocols.length > 0 ? ` · ${c.protocols.join(", ")}` : ""}
              </li>
            ))}
          </ul>
        )}
      </div>
      <IntakeForm
        key={pop.call.id}
        env={env}
        channel="phone"
        person={caller.known ? "none" : "caller-name"}
        autoFocus
        frameShortcuts={props.frameShortcuts}
        register={(body, key) =>
          api<Registered>(
            `/api/v1/calls/${pop.call.id}/demands`,
            {
              method: "POST",
              headers: { "content-type": "application/json", "idempotency-key": key },
              body: JSON.stringify({
                ...body,
                citizen: body.citizen ? { name: body.citizen.name } : undefined,
              }),
            },
            locale,
            // The caller is not at a counter: nothing to print.
          ).then(({ receiptUrl: _, ...registered }) => registered)
        }
        keepOffline={(body, key, serviceName, districtCode) =>
          keepPending({
            key,
            districtCode,
            path: `/api/v1/calls/${pop.call.id}/demands`,
            body: { ...body, citizen: body.citizen ? { name: body.citizen.name } : undefined },
            channel: "phone",
            serviceName,
            agentId: env.me.id,
            // The protocol is given back by a call to the number that called.
            callback: caller.number ?? pop.call.fromRaw,
          })
        }
        onRegistered={loadPop}
        placeMap={(p) => <PlaceMap env={env} {...p} />}
      />
    </section>
  );
}

function DemandList(props: {
  t: (k: string, p?: Record<string, string | number>) => string;
  locale: string;
  title: string;
  items: CallerDemand[];
}) {
  const { t, locale } = props;
  return (
    <>
      <h3>{props.title}</h3>
      {props.items.length === 0 ? (
        <p>{t("console.phone.none")}</p>
      ) : (
        <ul class="caller-demands">
          {props.items.map((d) => (
            <li key={d.protocol}>
              <a href={withLang(PATHS.demand(d.protocol), locale)} data-nav>
                {d.protocol}
              </a>{" "}
              · {d.service.name} · {t(`status.${d.status}`)} · {formatWhen(d.openedAt, locale)}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
