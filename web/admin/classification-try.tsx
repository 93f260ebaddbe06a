/**
 * "Try a text": the suggester's ranking (GET /api/v1/services/suggest) for a sentence, on a channel and in a
 * district when given, with why each service came up (the words that matched, or the rule that fired).
 */
import { useState } from "preact/hooks";
import { DEMAND_CHANNELS } from "../../domain/channels.ts";
import type { ApiProblem } from "../ui/api.ts";
import { api } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { asProblem } from "../ui/load.ts";
import type { StaffEnv } from "../ui/staff.tsx";
import { useAreas } from "./city.ts";
import { FormField } from "./form-field.tsx";

interface Suggestion {
  code: string;
  name: string;
  score: number;
  reasons: { kind: "text" | "rule"; ruleId?: number; matched: string[] }[];
}

/** The try-a-text box and its ranking. */
export function TryText(props: { env: StaffEnv; boxRef: { current: HTMLTextAreaElement | null } }) {
  const { t, locale } = props.env;
  const { districts } = useAreas(locale);
  const [text, setText] = useState("");
  const [channel, setChannel] = useState("");
  const [district, setDistrict] = useState("");
  const [ranking, setRanking] = useState<Suggestion[] | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);

  const ask = async (event: Event) => {
    event.preventDefault();
    setProblem(null);
    const q = new URLSearchParams({ q: text, limit: "5" });
    if (channel) q.set("channel", channel);
    if (district) q.set("district", district);
    try {
      setRanking(await api<Suggestion[]>(`/api/v1/services/suggest?${q}`, {}, locale));
    } catch (e) {
      setRanking(null);
      setProblem(asProblem(e));
    }
  };

  return (
    <form class="card" onSubmit={ask} aria-labelledby="try-title">
      <h2 id="try-title">{t("admin.classification.try_title")}</h2>
      <ProblemAlert problem={problem} t={t} />
      <FormField id="try-text" label={t("admin.classification.try_text")}>
        {(control) => (
          <textarea
            {...control}
            ref={props.boxRef}
            rows={3}
            value={text}
            onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          />
        )}
      </FormField>
      <div class="row a-fields">
        <FormField
          id="try-channel"
          label={t("admin.classification.try_channel")}
          value={channel}
          onValue={setChannel}
          options={
            <>
              <option value="">{t("admin.classification.every_channel")}</option>
              {DEMAND_CHANNELS.map((c) => (
                <option key={c} value={c}>
                  {t(`admin.classification.channels.${c}`)}
                </option>
              ))}
            </>
          }
        />
        <FormField
          id="try-district"
          label={t("admin.matrix.district")}
          value={district}
          onValue={setDistrict}
          options={
            <>
              <option value="">{t("admin.matrix.no_district")}</option>
              {districts.map((a) => (
                <option key={a.code} value={a.code}>
                  {a.name} ({a.code})
                </option>
              ))}
            </>
          }
        />
      </div>
      <button type="submit">{t("admin.classification.try_submit")}</button>
      <div role="status">
        {ranking === null ? null : ranking.length === 0 ? (
          <p>{t("admin.classification.try_none")}</p>
        ) : (
          <ol class="a-ranking" aria-label={t("admin.classification.try_ranking")} data-testid="ranking">
            {ranking.map((s) => (
              <li key={s.code}>
                <strong>
                  {s.code} — {s.name}
                </strong>{" "}
                ({t("admin.classification.score", { score: s.score.toFixed(2) })})
                <br />
                <span class="hint">
                  {s.reasons
                    .map((r) =>
                      r.kind === "rule"
                        ? t("admin.classification.reason_rule", {
                            id: r.ruleId ?? "?",
                            words: r.matched.join(", "),
                          })
                        : t("admin.classification.reason_text", { words: r.matched.join(", ") }),
                    )
                    .join("; ")}
                </span>
              </li>
            ))}
          </ol>
        )}
      </div>
    </form>
  );
}
