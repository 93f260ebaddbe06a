import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { apiAll } from "./all-pages.ts";
import { ApiProblem } from "./api.ts";

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

/**
 * A fake API serving `items` `size` at a time as the server does (decision 0037): the page is the body, the next
 * one a Link rel="next" carrying the cursor. Records the paths asked for.
 */
function fakeList(items: number[], size: number): string[] {
  const asked: string[] = [];
  globalThis.fetch = (async (input: string | URL | Request) => {
    const url = new URL(String(input), "http://local");
    asked.push(`${url.pathname}${url.search}`);
    const from = Number(url.searchParams.get("cursor") ?? 0);
    const page = items.slice(from, from + size);
    const headers = new Headers({ "content-type": "application/json" });
    if (from + size < items.length) {
      url.searchParams.set("cursor", String(from + size));
      headers.set("link", `<${url.pathname}${url.search}>; rel="next"`);
    }
    return new Response(JSON.stringify(page), { status: 200, headers });
  }) as typeof fetch;
  return asked;
}

describe("reading every page of a list", () => {
  it("follows Link rel=next to the last page, in order", async () => {
    const items = Array.from({ length: 23 }, (_, i) => i + 1);
    const asked = fakeList(items, 10);
    assert.deepEqual(await apiAll<number>("/api/v1/staff?limit=10", "en"), items);
    assert.deepEqual(asked, [
      "/api/v1/staff?limit=10",
      "/api/v1/staff?limit=10&cursor=10",
      "/api/v1/staff?limit=10&cursor=20",
    ]);
  });

  it("reads a list of one page (or none) once", async () => {
    const asked = fakeList([1, 2], 10);
    assert.deepEqual(await apiAll<number>("/api/v1/departments"), [1, 2]);
    assert.equal(asked.length, 1);
    fakeList([], 10);
    assert.deepEqual(await apiAll<number>("/api/v1/departments"), []);
  });

  it("throws the server's problem of a later page", async () => {
    let calls = 0;
    globalThis.fetch = (async () => {
      calls++;
      if (calls === 1) {
        return new Response("[1]", {
          headers: { "content-type": "application/json", link: '</api/v1/staff?cursor=x>; rel="next"' },
        });
      }
      return new Response(JSON.stringify({ code: "invalid_input", title: "Bad", detail: "cursor" }), {
        status: 400,
        headers: { "content-type": "application/problem+json" },
      });
    }) as typeof fetch;
    await assert.rejects(
      apiAll("/api/v1/staff"),
      (e) => e instanceof ApiProblem && e.code === "invalid_input",
    );
  });

  it("stops with a problem when a next link repeats a page already read", async () => {
    globalThis.fetch = (async () =>
      new Response("[1]", {
        headers: { "content-type": "application/json", link: '</api/v1/staff?cursor=same>; rel="next"' },
      })) as typeof fetch;
    await assert.rejects(apiAll("/api/v1/staff"), ApiProblem);
  });
});
