/**
 * Reading the API's paginated lists (decision 0037: the body is the list, the next page is the answer's
 * `Link: <…>; rel="next"`): every page of a list a screen reads whole (a city's staff, its departments), and a
 * list paged forward and back by its cursors (the staff's catalogue search).
 */
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiProblem, apiPage } from "./api.ts";
import { asProblem, type Loaded, type Reader, useRead } from "./load.ts";

/** Every item of a paginated list, following its Link rel="next" from `path` to the last page; throws ApiProblem. */
export async function apiAll<T>(path: string, lang?: string): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  for (let next: string | null = path; next !== null; ) {
    // A server that names a page it already gave would keep this loop going forever.
    if (seen.has(next)) throw new ApiProblem(0, "http_error", "", `Link rel="next" repeats ${next}`);
    seen.add(next);
    const page: { items: T[]; next: string | null } = await apiPage<T>(next, lang);
    items.push(...page.items);
    next = page.next;
  }
  return items;
}

const readAll: Reader<unknown[]> = (path, lang) => apiAll(path, lang);

/** Every item of the list at `path` (null while loading): useLoad for the lists an admin screen reads whole. */
export function useAllPages<T>(path: string, lang: string): Loaded<T[]> {
  return useRead(path, lang, readAll as Reader<T[]>);
}

/** One page of a list paged by cursor, with the way forward (its Link rel="next") and back (the pages seen). */
export interface CursorPages<T> {
  /** The items of the page shown (null until the first arrives). */
  items: T[] | null;
  problem: ApiProblem | null;
  /** The number of the page shown, from 1. */
  page: number;
  hasNext: boolean;
  next: () => void;
  previous: () => void;
  /** Reads the page shown again (after an edit). */
  reload: () => void;
}

/**
 * The list at `first` one page at a time: "next" follows the answer's Link rel="next", "previous" goes back to the
 * path of the page before; a new `first` (another search) starts again at its first page.
 */
export function useCursorPages<T>(first: string, lang: string): CursorPages<T> {
  // The paths of the pages up to the one shown (the first path, then each page's Link rel="next"), for `first`.
  const [state, setState] = useState<{ first: string; trail: string[] }>({ first, trail: [first] });
  const trail = state.first === first ? state.trail : [first];
  const path = trail[trail.length - 1] ?? first;
  const number = trail.length;
  // The page on screen, which stays until the one asked for arrives (the pager keeps its place and focus).
  const [shown, setShown] = useState<{ path: string; page: number; items: T[]; next: string | null } | null>(
    null,
  );
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    apiPage<T>(path, lang)
      .then((page) => {
        if (!live) return;
        setShown({ path, page: number, ...page });
        setProblem(null);
      })
      .catch((e) => live && setProblem(asProblem(e)));
    return () => {
      live = false;
    };
  }, [path, number, lang, round]);
  // Until the page asked for arrives, the one before it names no way forward.
  const nextPath = shown?.path === path ? shown.next : null;
  return {
    items: shown?.items ?? null,
    problem,
    page: shown?.page ?? number,
    hasNext: nextPath !== null,
    next: () => {
      if (nextPath !== null) setState({ first, trail: [...trail, nextPath] });
    },
    previous: () => setState({ first, trail: trail.length > 1 ? trail.slice(0, -1) : trail }),
    reload: useCallback(() => setRound((r) => r + 1), []),
  };
}
