/**
 * Browser tests drive Debian's Chromium (/usr/bin/chromium) with playwright-core: never a downloaded browser.
 * The app runs in-process on a free loopback port over a fresh test database.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { after } from "node:test";
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from "playwright-core";
import type { Config } from "../../server/config.ts";
import type { AppContext } from "../../server/context.ts";
import type { StaffRole } from "../../server/http/auth.ts";
import { staffHeaders, unclosedTestApp } from "../helpers.ts";

/**
 * Starts the app on 127.0.0.1 (with `overrides` of the test configuration, e.g. a telephony secret) and a headless
 * Chromium; both are closed after the file, Chromium first.
 */
export async function startBrowserTest(
  overrides: Partial<Config> = {},
): Promise<{ baseUrl: string; browser: Browser; ctx: AppContext }> {
  const { app, ctx } = await unclosedTestApp(overrides);
  const baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  // Chromium first: it keeps pre-connected sockets that never carry a request, which the server's close would
  // wait for as long as the browser lives.
  after(async () => {
    await browser.close();
    await app.close();
  });
  return { baseUrl, browser, ctx };
}

/** Where every browser test keeps its screenshots (.ci/run copies them to the CI artefacts). */
export const SHOTS = resolve(".cache/screenshots");

/** A screenshot of the page named `<name>.png` in SHOTS. */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  // The whole page, down to SHOT_MAX_HEIGHT: a screenshot's cost grows with the page's height (a 6,000 px list took
  // 0.8 s of CPU, the first screens 0.1–0.3 s), and the browser step is CPU-bound.
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  const width = page.viewportSize()?.width ?? 1280;
  await page.screenshot({
    path: `${SHOTS}/${name}.png`,
    fullPage: true,
    ...(height > SHOT_MAX_HEIGHT ? { clip: { x: 0, y: 0, width, height: SHOT_MAX_HEIGHT } } : {}),
  });
}

/** How far down a screenshot goes (about three desktop screens). */
export const SHOT_MAX_HEIGHT = 2700;

const AXE = readFileSync(resolve("node_modules/axe-core/axe.min.js"), "utf8");

/** axe-core's serious and critical violations of the page as it is now (WCAG 2.1 A/AA and best practice). */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Injected once per document (its 500 KB are parsed again at every injection); only violations are collected.
  // biome-ignore lint/suspicious/noExplicitAny: axe is injected into the page at run time.
  if (!(await page.evaluate(() => Boolean((window as any).axe)))) await page.evaluate(AXE);
  const result = await page.evaluate(() =>
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected into the page at run time.
    (window as any).axe.run(document, {
      runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
      resultTypes: ["violations"],
    }),
  );
  const violations = (
    result as { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }
  ).violations;
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/**
 * A browser context signed in as a new staff member of `role` (in `departmentCode`): the session cookie the
 * sign-in route would set. The staff id is returned for assertions. (The sign-in form itself is walked once, in
 * the console test.)
 */
export async function staffContext(
  browser: Browser,
  baseUrl: string,
  ctx: AppContext,
  role: StaffRole,
  departmentCode?: string,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; staffId: number }> {
  const { authorization, staffId } = await staffHeaders(ctx.db, role, departmentCode);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  await context.addCookies([
    {
      name: "responsiva_session",
      value: authorization.slice("Bearer ".length),
      url: baseUrl,
      httpOnly: true,
      sameSite: "Lax",
    },
  ]);
  return { context, staffId };
}
