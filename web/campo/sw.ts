/**
 * The inspectors' tablet's service worker (built to /campo-sw.js, scope /campo; decision 0063): the tablet opens
 * without the network for a whole day — its page, its hashed files (cached at install from /web-assets.json, the
 * map's chunk included) and the signed-in inspector come from the last copy when the network fails. Everything is
 * asked of the network first, except the hashed files, which never change under their names. The day itself, the
 * answers and the photos are in IndexedDB (store.ts), not here; nothing of a citizen is kept. A sign-out forgets the
 * kept inspector. A tenant's tablet under a path prefix registers it at /t/<slug>/campo-sw.js, scope /t/<slug>/campo.
 */
/// <reference lib="webworker" />
import { tenantBaseOf } from "../ui/base.ts";

declare const self: ServiceWorkerGlobalScope;

const SHELL = "responsiva-campo-v1";
const API = "responsiva-campo-api-v1";
/** The tenant prefix of this registration: "" for /campo, "/t/<slug>" for /t/<slug>/campo. */
const BASE = tenantBaseOf(new URL(self.registration.scope).pathname);
/** The tablet's first page, kept as the fallback of every page of it. */
const HOME = `${BASE}/campo`;
/** The API reads the tablet needs to open offline: who is signed in. */
const KEPT_API = /^\/api\/v1\/auth\/me$/;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      const list = await fetch(`${BASE}/web-assets.json`).then((r) =>
        r.ok ? (r.json() as Promise<string[]>) : [],
      );
      await cache.addAll(list);
      // The first page too: the tablet opened once must open again offline, even before a page went through here.
      await cache.add(HOME).catch(() => undefined);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys())
        if (key.startsWith("responsiva-campo") && key !== SHELL && key !== API) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

/** The network's answer, kept when good; the last copy when the network fails. */
async function networkFirst(request: Request, cache: string): Promise<Response> {
  try {
    const response = await fetch(request);
    if (response.ok) await (await caches.open(cache)).put(request, response.clone());
    return response;
  } catch (error) {
    const kept = await caches.match(request);
    if (kept) return kept;
    throw error;
  }
}

/** After signing out: this prefix's kept API answers are forgotten. */
async function forgetSession(): Promise<void> {
  const cache = await caches.open(API);
  for (const request of await cache.keys())
    if (tenantBaseOf(new URL(request.url).pathname) === BASE) await cache.delete(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== location.origin) return;
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
  // The city's colour, so the tablet looks the same offline.
  if (path === "/branding.css") {
    event.respondWith(networkFirst(request, SHELL));
    return;
  }
  if (request.mode === "navigate" && /^\/campo(\/|$)/.test(path)) {
    // Any page of the tablet: the network first; offline, this page's copy or the first page's (same shell).
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
