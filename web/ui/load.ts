/**
 * Loading what a screen shows from the API: one hook for a single answer (`useLoad`) and, in all-pages.ts, for a
 * paginated list read whole (`useAllPages`), with any thrown value as the problem the screens show.
 */
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiProblem, api } from "./api.ts";

/** What a loading hook gives: the value (null while loading), the problem if the load failed, and a reload. */
export type Loaded<T> = [T | null, ApiProblem | null, () => void];

/** How a value is read from `path`; a function defined once (a hook's dependency), never made per render. */
export type Reader<T> = (path: string, lang: string) => Promise<T>;

/**
 * The value `read` gets from `path` (nothing while `path` is null), read again when `path` or `lang` changes or
 * on reload; an answer that arrives after a newer read began is dropped.
 */
export function useRead<T>(path: string | null, lang: string, read: Reader<T>): Loaded<T> {
  const [value, setValue] = useState<T | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    read(path, lang)
      .then((v) => {
        if (!live) return;
        setValue(v);
        setProblem(null);
      })
      .catch((e) => live && setProblem(asProblem(e)));
    return () => {
      live = false;
    };
  }, [path, lang, round, read]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return [value, problem, reload];
}

const readOne: Reader<unknown> = (path, lang) => api(path, {}, lang);

/** The answer of one GET of `path` (nothing while `path` is null). */
export function useLoad<T>(path: string | null, lang: string): Loaded<T> {
  return useRead(path, lang, readOne as Reader<T>);
}

/**
 * Any thrown value as an ApiProblem. api() and send() already turn a network failure into "offline"; anything else
 * is a bug, shown as a generic error with its own message rather than nothing (or a false "offline").
 */
export function asProblem(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  return new ApiProblem(0, "http_error", "", error instanceof Error ? error.message : String(error));
}

/**
 * For reads that a live stream may start while an earlier one is on its way (useRead's rule, for screens that call
 * their loads themselves): `apply` sees only the answer of the newest read begun with this function, so a late answer
 * never puts back what a newer one took away. Keep one per load, e.g. in a ref.
 */
export function newestOnly(): <T>(read: Promise<T>, apply: (value: T) => void) => Promise<void> {
  let newest = 0;
  return (read, apply) => {
    const mine = ++newest;
    return read.then((value) => {
      if (mine === newest) apply(value);
    });
  };
}
