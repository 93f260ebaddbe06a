/**
 * Calls to the public HTTP API. Errors come back as RFC 9457 problem+json: they are thrown as ApiProblem with
 * the server's stable code and its translated texts, so screens show the server's words.
 */
import { inBase } from "./base.ts";

/** A problem answer from the server (or the network being down: status 0, code "offline"). */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly fields: { field: string; code: string }[] = [],
  ) {
    super(detail || title || code);
  }
}

/**
 * Calls the API in the page's language, under the page's tenant prefix (base.ts): parsed JSON (text for other
 * types, undefined for 204); throws ApiProblem. `seen`, when given, is handed a successful response before its body is read (for its headers).
 */
export async function api<T>(
  path: string,
  init: RequestInit = {},
  lang?: string,
  seen?: (response: Response) => void,
): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set("accept", "application/json, application/problem+json");
  if (lang) headers.set("accept-language", lang);
  let response: Response;
  try {
    response = await fetch(inBase(path), { ...init, headers });
  } catch {
    throw new ApiProblem(0, "offline", "", "");
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as {
      code?: string;
      title?: string;
      detail?: string;
      errors?: { field: string; code: string }[];
    };
    throw new ApiProblem(
      response.status,
      body.code ?? "http_error",
      body.title ?? "",
      body.detail ?? "",
      body.errors ?? [],
    );
  }
  seen?.(response);
  if (response.status === 204) return undefined as T;
  const type = response.headers.get("content-type") ?? "";
  return (type.includes("json") ? await response.json() : await response.text()) as T;
}

/**
 * One page of a paginated list (decision 0037): the items, and the path of the next page named by the answer's
 * `Link: <…>; rel="next"` header (null on the last page).
 */
export async function apiPage<T>(path: string, lang?: string): Promise<{ items: T[]; next: string | null }> {
  let link = "";
  const items = await api<T[]>(path, {}, lang, (response) => {
    link = response.headers.get("link") ?? "";
  });
  return { items, next: /<([^>]+)>;\s*rel="next"/.exec(link)?.[1] ?? null };
}
