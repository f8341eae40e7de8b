// Shared by the browser scenarios: Chromium from the OS with fake media, helpers, screenshots.
// Run by tests/browser/test_web_app.py with BASE_URL, CHROMIUM, SCREENSHOTS and WEB_DIR set.
import { createRequire } from "node:module";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const require = createRequire(join(process.env.WEB_DIR, "package.json"));
const { chromium } = require("playwright-core");
export const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export const BASE_URL = process.env.BASE_URL;
export const SCREENSHOTS = process.env.SCREENSHOTS;
export const DEMO_PASSWORD = "Demo-Pass-2026!";
export const TIMEOUT = 30_000;
mkdirSync(SCREENSHOTS, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
}

export async function newPage(browser, name, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ baseURL: BASE_URL, viewport, permissions: ["camera", "microphone"] });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  page.on("dialog", (dialog) => void dialog.accept());
  page.on("pageerror", (error) => console.log(`[${name}] page error: ${error.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") console.log(`[${name}] console: ${msg.text()}`);
  });
  return page;
}

/** Wait for the router to finish rendering the given path (locators, not waitForFunction: the
 * app's CSP forbids the eval that waitForFunction's predicates need). */
export async function at(page, path) {
  await page.locator(`#main[data-page="${path}"]:not([aria-busy])`).waitFor();
}

/** Poll a value computed in the page until `accept` says yes. */
export async function until(page, compute, accept, what, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  let value;
  while (Date.now() < deadline) {
    value = await page.evaluate(compute);
    if (accept(value)) return value;
    await page.waitForTimeout(100);
  }
  throw new Error(`timed out waiting for ${what} (last value ${JSON.stringify(value)})`);
}

export async function go(page, path) {
  await page.goto(path);
  await at(page, path.split("?")[0]);
}

export async function signIn(page, email, password = DEMO_PASSWORD) {
  await go(page, "/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator('#main[data-page]:not([data-page="/signin"]):not([aria-busy])').waitFor();
}

export async function shot(page, name) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** axe-core in the page; returns the serious and critical violations. */
export async function axe(page) {
  // Evaluated through the DevTools protocol, so the page's CSP (no inline scripts) still holds for the app.
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const outcome = await window.axe.run(document, { resultTypes: ["violations"] });
    return outcome.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) }));
  });
  return result.filter((v) => v.impact === "serious" || v.impact === "critical");
}

export function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
}

export async function run(main) {
  const started = Date.now();
  try {
    await main();
    console.log(`ok in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    console.error(error?.stack ?? String(error));
    process.exit(1);
  }
}
