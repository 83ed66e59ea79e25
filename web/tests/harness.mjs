// What every browser test uses: the stack and the browser (started once for the
// whole run by browser.test.mjs), pages that watch themselves for console errors,
// axe-core, screenshots and API calls.

import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { root, startStack } from "./stack.mjs";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
export const shots = join(root, "build/screenshots");
mkdirSync(shots, { recursive: true });

// Demo ids (shared/demo/demo.go).
export const CITY = "riverton";
export const MAYOR = "c2000000-0000-4000-8000-000000000001";
export const MEASURE_A = "c2000000-0000-4000-8000-000000000005";
export const RENTS_Q = "f1000000-0000-4000-8000-000000000001";
export const LAKEVIEW = "lakeview";
export const LAKEVIEW_MAYOR = "c2000000-0000-4000-8000-000000000008";
export const UNCLAIMED_CANDIDATE = "ca000000-0000-4000-8000-000000000003"; // Elena Vasquez-Ruiz, mayor race

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 360, height: 740 };
// Passwords of the accounts the tests create (the pool's policy: 12+, mixed, digit, symbol).
export const PASSWORD = "Riverton-2026!";

/** t is the shared state: the stack, the browser, what was seen. */
export const t = {
  stack: null,
  browser: null,
  hlsRequests: [],
  recorderRequests: [],
  openPages: new Set(),
  failures: 0,
};

let seq = 0;
/** email returns a fresh address for a test account. */
export function email(who) {
  return `${who}-${Date.now().toString(36)}-${++seq}@riverton.example`;
}

export async function startAll() {
  t.stack = await startStack();
  t.browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      // Root in a container has no user namespaces for Chromium's sandbox.
      "--no-sandbox",
      "--disable-dev-shm-usage",
      // A camera and microphone for the recorder: Chromium's test pattern and
      // beep, allowed without a prompt.
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      // Let the test's video play without a user gesture being simulated.
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
}

export async function stopAll() {
  await t.browser?.close();
  await t.stack?.stop();
}

/** saveOpenPages saves pages a failed test left open (build/screenshots/failed-<n>.png), then closes them. */
export async function saveOpenPages(ctx) {
  for (const w of t.openPages) {
    const name = `failed-${++t.failures}`;
    await w.page.screenshot({ path: join(shots, name + ".png"), fullPage: true }).catch(() => {});
    ctx.diagnostic(`left open at ${w.page.url()}: saved ${name}.png; console errors: ${JSON.stringify(w.errors)}`);
    await w.close();
  }
}

/**
 * open starts a fresh browser context on path and watches it: console errors and
 * uncaught exceptions are collected (check() fails on them, except those matching
 * allow), and requests for the hls.js and recorder chunks are recorded. session
 * ({idToken, refreshToken}) signs the page in as the app would after sign-in.
 */
export async function open(path, { viewport = DESKTOP, session = null, allow = [], permissions = [] } = {}) {
  const context = await t.browser.newContext({ viewport, baseURL: t.stack.base, reducedMotion: "reduce", permissions });
  if (session) {
    await context.addInitScript((s) => sessionStorage.setItem("civicq.session", JSON.stringify(s)), session);
  }
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !allow.some((re) => re.test(m.text()))) errors.push("console: " + m.text());
  });
  page.on("pageerror", (e) => errors.push("uncaught: " + e.message));
  page.on("request", (r) => {
    if (/\/assets\/hls[-.]/.test(r.url())) t.hlsRequests.push(page.url());
    if (/\/assets\/(Answer|recorder)[-.]/.test(r.url())) t.recorderRequests.push(page.url());
  });
  if (path) await page.goto(path);
  const w = {
    page,
    context,
    errors,
    async check() {
      assert.deepEqual(errors, [], "the page logged errors");
    },
    async close() {
      t.openPages.delete(w);
      await context.close();
    },
  };
  t.openPages.add(w);
  return w;
}

/** axe runs axe-core in the page and fails on serious or critical violations. */
export async function axe(page, ctx) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of result.violations.filter((v) => !bad.includes(v))) ctx.diagnostic(`axe ${v.impact}: ${v.id} (${v.nodes.length})`);
  assert.deepEqual(
    bad.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    [],
    `axe found serious or critical violations on ${page.url()}`,
  );
}

export async function shot(page, name) {
  await page.screenshot({ path: join(shots, name + ".png"), fullPage: true });
}

/** fits fails when the page scrolls sideways at its viewport's width. */
export async function fits(page) {
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: innerWidth }));
  assert.ok(scroll <= width, `${page.url()}: page is ${scroll} px wide on a ${width} px screen`);
}

export async function api(method, path, { token, body } = {}) {
  const headers = {};
  if (token) headers.Authorization = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(t.stack.base + "/api" + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => null);
  return { status: res.status, data };
}

export async function apiGet(path, token) {
  const { status, data } = await api("GET", path, { token });
  assert.equal(status, 200, `GET ${path}: ${JSON.stringify(data)}`);
  return data;
}

export async function texts(page, selector) {
  return page.locator(selector).allInnerTexts();
}

/** waitFor polls check (an async function returning a truthy value) until it does or ms pass. */
export async function waitFor(what, check, ms = 30_000) {
  let last;
  for (const until = Date.now() + ms; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
    last = await check();
    if (last) return last;
  }
  assert.fail(`${what}: not within ${ms} ms`);
}
