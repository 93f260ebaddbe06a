/**
 * The agent console's service worker (built to /console-sw.js, scope /console; decision 0058): the console opens
 * without the network — its page, its hashed files, the signed-in agent and the services already looked at come
 * from the last copy when the network fails — so demands can still be taken and kept (offline.ts). Everything is
 * asked of the network first; only a failure reads the copy. Signing out forgets the copies of the API.
 * A tenant's console under a path prefix registers it at /t/<slug>/console-sw.js with the scope /t/<slug>/console
 * (web/ui/base.ts): its URLs are that prefix's, and signing out forgets only that prefix's copies.
 */
/// <reference lib="webworker" />
import { createStore, del, entries } from "idb-keyval";
import { tenantBaseOf } from "../ui/base.ts";

declare const self: ServiceWorkerGlobalScope;

const SHELL = "responsiva-console-v1";
const API = "responsiva-console-api-v1";
/** The tenant prefix of this registration: "" for /console, "/t/<slug>" for /t/<slug>/console. */
const BASE = tenantBaseOf(new URL(self.registration.scope).pathname);
/** The console's first page, kept as the fallback of every console page. */
const HOME = `${BASE}/console`;

/**
 * API reads the console needs to open and fill the form offline: the agent, a service's fields, the kit. Never a
 * citizen's data (a caller's screen pop, a demand): those stay on the server.
 */
const KEPT_API = /^\/api\/v1\/(auth\/me|services\/(?!suggest$)[^/]+|console\/offline-kit)$/;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      const list = await fetch(`${BASE}/web-assets.json`).then((r) =>
        r.ok ? (r.json() as Promise<string[]>) : [],
      );
      await cache.addAll(list);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys())
        if (key.startsWith("responsiva-console") && key !== SHELL && key !== API) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

/** The network's answer, kept in `cache` when good; the kept one when the network fails. */
async function networkFirst(request: Request, cache: string, fallback?: string): Promise<Response> {
  try {
    const response = await fetch(request);
    if (response.ok) await (await caches.open(cache)).put(request, response.clone());
    return response;
  } catch (error) {
    const kept = (await caches.match(request)) ?? (fallback ? await caches.match(fallback) : undefined);
    if (kept) return kept;
    throw error;
  }
}

/**
 * After signing out: the kept API answers and the demands already sent are forgotten on this computer (this
 * prefix's only: the cache and the origin are shared with the other tenants' consoles).
 */
async function forgetSession(): Promise<void> {
  const cache = await caches.open(API);
  for (const request of await cache.keys())
    if (tenantBaseOf(new URL(request.url).pathname) === BASE) await cache.delete(request);
  const store = createStore(`responsiva-console${BASE}`, "kv");
  for (const [key, value] of await entries<string, { state?: string }>(store))
    if (String(key).startsWith("pending:") && value?.state === "sent") await del(key, store);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== location.origin) return;
  // The hashed files are the same for every tenant; any other path is this worker's only under its own prefix.
  const assets = url.pathname.startsWith("/assets/");
  if (!assets && tenantBaseOf(url.pathname) !== BASE) return;
  const path = url.pathname.slice(BASE.length);
  if (request.method === "POST" && path === "/api/v1/auth/logout") {
    event.respondWith(
      fetch(request).then(async (response) => {
        if (response.ok) await forgetSession();
        return response;
      }),
    );
    return;
  }
  if (request.method !== "GET") return;
  if (assets) {
    // Hashed names never change: the copy first.
    event.respondWith(
      caches.match(request).then(
        (hit) =>
          hit ??
          fetch(request).then(async (response) => {
            if (response.ok) await (await caches.open(SHELL)).put(request, response.clone());
            return response;
          }),
      ),
    );
    return;
  }
  if (KEPT_API.test(path)) {
    event.respondWith(networkFirst(request, API));
    return;
  }
  if (request.mode === "navigate" && /^\/console(\/|$)/.test(path)) {
    // Any console page: the network first; offline, this page's copy or the console's first page.
    event.respondWith(
      (async () => {
        try {
          const response = await fetch(request);
          if (response.ok) {
            const cache = await caches.open(SHELL);
            await cache.put(request, response.clone());
            await cache.put(HOME, response.clone());
          }
          return response;
        } catch (error) {
          const kept = (await caches.match(request)) ?? (await caches.match(HOME));
          if (kept) return kept;
          throw error;
        }
      })(),
    );
  }
});
