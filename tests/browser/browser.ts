/**
 * Browser tests drive Debian's Chromium (/usr/bin/chromium) with playwright-core: never a downloaded browser.
 * The app runs in-process on a free loopback port over a fresh test database.
 */
import { after } from "node:test";
import { type Browser, chromium } from "playwright-core";
import type { AppContext } from "../../server/context.ts";
import { testApp } from "../helpers.ts";

/** Starts the app on 127.0.0.1 and a headless Chromium; both are closed after the file. */
export async function startBrowserTest(): Promise<{ baseUrl: string; browser: Browser; ctx: AppContext }> {
  const { app, ctx } = await testApp();
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
  after(() => browser.close());
  return { baseUrl, browser, ctx };
}
