/**
 * The smallest router the apps need: the current path, and links that change it without a reload. Each app maps
 * paths to screens itself; the server serves the same shell for each of those paths, so a reload or a shared link
 * lands on the right screen. Under a tenant prefix (base.ts) the apps see their paths without it: useLocation takes
 * it off, navigate puts it on.
 */
import { useEffect, useState } from "preact/hooks";
import { inBase, outOfBase } from "./base.ts";

/** Goes to a path of the same app without reloading (under the tenant prefix), and tells the listening hook. */
export function navigate(href: string): void {
  history.pushState(null, "", inBase(href));
  dispatchEvent(new PopStateEvent("popstate"));
  // Move the focus to the new screen's heading so screen readers announce it (WCAG 2.4.3).
  requestAnimationFrame(() => document.querySelector<HTMLElement>("main h1")?.focus());
}

/**
 * The current location as the app's routes see it (its path without the tenant prefix), re-rendered on navigation
 * and on back/forward.
 */
export function useLocation(): URL {
  const [href, setHref] = useState(location.href);
  useEffect(() => {
    const update = () => setHref(location.href);
    addEventListener("popstate", update);
    return () => removeEventListener("popstate", update);
  }, []);
  const url = new URL(href);
  url.pathname = outOfBase(url.pathname);
  return url;
}

/** A click handler for in-app links: plain clicks navigate in place; modified clicks open as the browser wishes. */
export function onLinkClick(event: MouseEvent): void {
  const a = (event.target as Element).closest("a");
  if (!a || a.target || a.hasAttribute("download") || a.origin !== location.origin) return;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  if (!a.hasAttribute("data-nav")) return;
  event.preventDefault();
  navigate(a.pathname + a.search + a.hash);
}

/** Matches "/demanda/:protocol" style patterns; returns the parameters or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split("/");
  const s = path.replace(/\/+$/, "").split("/");
  if (path === "/" && pattern === "/") return {};
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const part = p[i]!;
    if (part.startsWith(":")) params[part.slice(1)] = decodeURIComponent(s[i]!);
    else if (part !== s[i]) return null;
  }
  return params;
}
