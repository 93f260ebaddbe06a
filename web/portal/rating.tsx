/** The citizen rates the answer of a closed demand (POST /api/v1/demands/:protocol/rating, with the secret). */
import { useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { Field, ProblemAlert } from "../ui/components.tsx";
import { formatWhen } from "../ui/i18n.ts";
import type { Env } from "./env.ts";

/** Five stars as radio buttons, "was it solved?", and a comment. */
export function RatingForm(props: {
  env: Env;
  protocol: string;
  secret: string | undefined;
  onRated?: () => void;
}) {
  const { t, locale } = props.env;
  const [rating, setRating] = useState(0);
  const [solved, setSolved] = useState<boolean | null>(null);
  const [comment, setComment] = useState("");
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [done, setDone] = useState(false);
  // The page that said what to do after rating says the thanks itself.
  if (done && props.onRated) return null;
  if (done)
    return (
      <p class="notice" role="status">
        {t("portal.rating.thanks")}
      </p>
    );
  return (
    <form
      aria-labelledby="rating-title"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await api(
            `/api/v1/demands/${props.protocol}/rating`,
            {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({
                // Without a secret the signed-in citizen's session cookie says who rates.
                ...(props.secret ? { secret: props.secret } : {}),
                rating,
                solved: solved ?? false,
                ...(comment.trim() ? { comment: comment.trim() } : {}),
              }),
            },
            locale,
          );
          setDone(true);
          props.onRated?.();
        } catch (error) {
          setProblem(error instanceof ApiProblem ? error : null);
        }
      }}
    >
      <h2 id="rating-title">{t("portal.rating.title")}</h2>
      <fieldset>
        <legend>{t("portal.rating.stars")}</legend>
        {[1, 2, 3, 4, 5].map((n) => (
          <label class="choice" key={n}>
            <input
              type="radio"
              name="rating"
              value={n}
              checked={rating === n}
              onChange={() => setRating(n)}
            />
            {t(`portal.rating.star_${n}`)}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>{t("portal.rating.solved")}</legend>
        <label class="choice">
          <input type="radio" name="solved" checked={solved === true} onChange={() => setSolved(true)} />
          {t("portal.rating.yes")}
        </label>
        <label class="choice">
          <input type="radio" name="solved" checked={solved === false} onChange={() => setSolved(false)} />
          {t("portal.rating.no")}
        </label>
      </fieldset>
      <Field id="rating-comment" label={t("portal.rating.comment")}>
        <textarea
          id="rating-comment"
          value={comment}
          onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)}
        />
      </Field>
      <ProblemAlert problem={problem} t={t} />
      <button type="submit" disabled={rating === 0 || solved === null}>
        {t("portal.rating.submit")}
      </button>
    </form>
  );
}

/**
 * Reopens a closed demand that was not solved (POST /api/v1/demands/:protocol/reopen): the citizen says what is still
 * wrong; the server allows it within its window unless the citizen rated the demand solved, and says why not.
 */
export function ReopenForm(props: {
  env: Env;
  protocol: string;
  secret: string | undefined;
  /** The last moment the citizen may reopen, when known. */
  until?: string | null;
  onReopened: () => void;
}) {
  const { t, locale } = props.env;
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      aria-labelledby="reopen-title"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setProblem(null);
        try {
          await api(
            `/api/v1/demands/${props.protocol}/reopen`,
            {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({
                reason: reason.trim(),
                ...(props.secret ? { secret: props.secret } : {}),
              }),
            },
            locale,
          );
          props.onReopened();
        } catch (error) {
          setProblem(error instanceof ApiProblem ? error : new ApiProblem(0, "offline", "", ""));
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2 id="reopen-title">{t("portal.reopen.title")}</h2>
      <p>{t("portal.reopen.intro")}</p>
      {props.until ? <p>{t("portal.reopen.until", { date: formatWhen(props.until, locale) })}</p> : null}
      <Field id="reopen-reason" label={t("portal.reopen.reason")}>
        <textarea
          id="reopen-reason"
          required
          minLength={5}
          value={reason}
          onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
        />
      </Field>
      <ProblemAlert problem={problem} t={t} />
      <button type="submit" class="button secondary" disabled={busy || reason.trim().length < 5}>
        {t("portal.reopen.submit")}
      </button>
    </form>
  );
}
