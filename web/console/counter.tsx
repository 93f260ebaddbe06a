/**
 * Counter intake (in person): the same form as the phone without a call, the citizen's name, document, phone and
 * e-mail typed by the agent, channel `counter`, and a printable receipt once the demand is registered.
 */
import { api } from "../ui/api.ts";
import { LiveBadge } from "../ui/live.tsx";
import type { ConsoleProps } from "./env.ts";
import { IntakeForm } from "./intake.tsx";
import { keepPending } from "./offline.ts";
import type { Registered } from "./registered.tsx";

/** The counter screen. */
export function CounterScreen(props: ConsoleProps) {
  const { env, live } = props;
  const { t, locale } = env;
  return (
    <section aria-labelledby="counter-title">
      <h1 id="counter-title" tabIndex={-1}>
        {t("console.counter.title")}
      </h1>
      <LiveBadge t={t} state={live.state} />
      <p>{t("console.counter.intro")}</p>
      <IntakeForm
        env={env}
        channel="counter"
        person="counter"
        frameShortcuts={props.frameShortcuts}
        register={async (body, key) => {
          const created = await api<Registered>(
            "/api/v1/demands",
            {
              method: "POST",
              headers: { "content-type": "application/json", "idempotency-key": key },
              body: JSON.stringify({ ...body, channel: "counter" }),
            },
            locale,
          );
          const query = new URLSearchParams({ secret: created.secret, lang: locale });
          return { ...created, receiptUrl: `/api/v1/demands/${created.protocol}/receipt?${query}` };
        }}
        keepOffline={(body, key, serviceName, districtCode) =>
          keepPending({
            key,
            districtCode,
            path: "/api/v1/demands",
            body: { ...body, channel: "counter" },
            channel: "counter",
            serviceName,
            agentId: env.me.id,
          })
        }
      />
    </section>
  );
}
