// The browser session every dashboard test drives: headless Chromium with a fresh profile, kept
// off the (closed) network; page errors are collected and each step is logged as it passes.
import { chromium } from "playwright-core";
import { join } from "node:path";

// Run `steps({ page, expect })` on a new page (`prepare(page)` first). `expect(what, check)` runs
// one step and prints `ok - what`. Page errors fail the run. On success the page is saved as
// SHOTS/NAME.png; on failure the step is printed, the page saved as SHOTS/NAME-failure.png and
// the process exits 1.
export async function drive(name, shots, steps, prepare = () => {}) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage();
  prepare(page);
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  let step = "start";
  const expect = async (what, check) => {
    step = what;
    await check();
    console.log("ok -", what);
  };
  try {
    await steps({ page, expect });
    if (pageErrors.length) throw new Error("page errors: " + pageErrors.join("; "));
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    await browser.close();
  } catch (e) {
    console.error(`FAILED at "${step}": ${e.message}`);
    await page.screenshot({ path: join(shots, `${name}-failure.png`), fullPage: true }).catch(() => {});
    await browser.close();
    process.exit(1);
  }
}
