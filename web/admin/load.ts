/** Loading a resource for an admin screen, and any thrown value as the problem the screens show. */
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";

/** A value loaded from the API: the value (null while loading), the problem if the load failed, and a reload. */
export function useLoad<T>(path: string | null, lang: string): [T | null, ApiProblem | null, () => void] {
  const [value, setValue] = useState<T | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    api<T>(path, {}, lang)
      .then((v) => {
        if (!live) return;
        setValue(v);
        setProblem(null);
      })
      .catch((e) => live && setProblem(asProblem(e)));
    return () => {
      live = false;
    };
  }, [path, lang, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return [value, problem, reload];
}

/**
 * Any thrown value as an ApiProblem. api() and send() already turn a network failure into "offline"; anything else
 * is a bug, shown as a generic error with its own message rather than nothing (or a false "offline").
 */
export function asProblem(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  return new ApiProblem(0, "http_error", "", error instanceof Error ? error.message : String(error));
}
