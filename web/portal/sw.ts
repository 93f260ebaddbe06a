/**
 * The portal's service worker (built to /sw.js, root scope): keeps the shell and the hashed assets so the portal
 * opens offline, where a draft can still be written and queued. API calls go to the network (a service's fields
 * and the districts fall back to their last copy). A tenant's portal under a path prefix registers it again at
 * /t/<slug>/sw.js with the scope /t/<slug>/ (web/ui/base.ts): each registration keeps to the paths of its own
 * prefix, so the root one never answers for a tenant's pages nor a tenant's for another's.
 */
/// <reference lib="webworker" />
import { tenantBaseOf } from "../ui/base.ts";

declare const self: ServiceWorkerGlobalScope;

const CACHE = "responsiva-portal-v1";
/** The tenant prefix of this registration: "" at the root scope, "/t/<slug>" at a tenant's. */
const BASE = tenantBaseOf(new URL(self.registration.scope).pathname);
// The icon is the install's, the same for every tenant (server/http/web.ts).
const SHELL = [`${BASE}/`, `${BASE}/manifest.webmanifest`, "/icons/icon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL);
      // The hashed files of this build, as the server lists them.
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
      for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin) return;
  // The hashed files are the same for every tenant: handled below whatever the prefix. Any other path of another
  // prefix (a tenant's, seen by the root registration) is not this worker's.
  const assets = url.pathname.startsWith("/assets/");
  if (!assets && tenantBaseOf(url.pathname) !== BASE) return;
  const path = url.pathname.slice(BASE.length);
  if (path.startsWith("/api/")) {
    // What a draft needs to be written offline (the service's fields, the districts): the network first, the
    // last copy when offline. Everything else of the API always goes to the network.
    if (/^\/api\/v1\/(services\/[^/]+$|districts\.geojson$)/.test(path)) {
      event.respondWith(
        fetch(event.request)
          .then(async (response) => {
            if (response.ok) await (await caches.open(CACHE)).put(event.request, response.clone());
            return response;
          })
          .catch(async () => (await caches.match(event.request)) ?? Response.error()),
      );
    }
    return;
  }
  if (assets) {
    // Hashed names never change: cache first.
    event.respondWith(
      caches.match(event.request).then(
        (hit) =>
          hit ??
          fetch(event.request).then(async (response) => {
            if (response.ok) await (await caches.open(CACHE)).put(event.request, response.clone());
            return response;
          }),
      ),
    );
    return;
  }
  // The staff apps (console, back-office, administration) are never served from this cache: they need the network.
  if (/^\/(console|departamento|admin)(\/|$)/.test(path)) return;
  if (event.request.mode === "navigate") {
    // Pages: the network first (fresh language and data), the cached shell when offline.
    event.respondWith(
      fetch(event.request).catch(
        async () => (await caches.match(event.request)) ?? (await caches.match(`${BASE}/`))!,
      ),
    );
  }
});
