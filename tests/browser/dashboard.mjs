// Drives the weft dashboard in headless Chromium like an operator: sign in with the admin token,
// load the overview, navigate to a failed record and read its error and request, retry its
// dead-lettered job, pause a flow's queue, preview a flow's mapping, reconcile, and on the Shop
// page see a webhook subscription's state and read the shop for onboarding.
// Usage: node dashboard.mjs BASE_URL ADMIN_TOKEN FLOW SCREENSHOT_DIR
// Exits 0 when every step saw what it expected; otherwise prints the step and exits 1.
import { chromium } from "playwright-core";
import { join } from "node:path";

const [base, token, flow, shots] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  // Playwright starts it headless with a fresh profile; these keep it off the (closed) network.
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
const consoleErrors = [];
page.on("pageerror", (e) => consoleErrors.push(String(e)));
let step = "start";
const expect = async (what, check) => {
  step = what;
  await check();
  console.log("ok -", what);
};
try {
  await page.goto(base + "/", { waitUntil: "load" });
  await expect("the token dialog asks for the admin token, and signing in shows the flows", async () => {
    await page.getByLabel("Admin token").fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator(`tr[data-flow="${flow}"]`).waitFor();
  });
  await expect("the overview shows the flow's dead letter and error rate", async () => {
    const row = page.locator(`tr[data-flow="${flow}"]`);
    const cells = await row.locator("td").allInnerTexts();
    if (cells[8] !== "1") throw new Error(`dead letters cell is ${cells[8]} (row: ${cells.join(" | ")})`);
    if (cells[6] === "0.0%") throw new Error("error rate shows 0.0%");
  });
  await expect("Runs → the partial run → failed records → the record shows its error and request", async () => {
    await page.getByRole("link", { name: "Runs" }).click();
    await page.locator("tr[data-run]").first().waitFor();
    await page.locator("tr[data-run]", { hasText: "partial" }).first().click();
    await page.getByLabel("Outcome").selectOption("failed");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.locator("tr[data-key]").first().click();
    const error = await page.locator("[data-error]").innerText();
    if (!error.includes("NOWHERE")) throw new Error("record error: " + error);
    const request = await page.locator("[data-request]").innerText();
    if (!request.includes("NOWHERE")) throw new Error("record request: " + request);
  });
  await expect("its lineage lists the dead-lettered job, and Retry requeues it", async () => {
    await page.getByRole("link", { name: "lineage" }).click();
    await page.locator("tr[data-job]").first().waitFor();
    await page.getByRole("link", { name: "Dead letters" }).click();
    await page.locator("tr[data-job]").first().waitFor();
    await page.getByRole("button", { name: "Retry" }).first().click();
    await page.getByText("Requeued 1 job(s).").waitFor();
  });
  await expect("Pause on the overview pauses the flow's queue", async () => {
    await page.getByRole("link", { name: "Overview" }).click();
    const row = page.locator(`tr[data-flow="${flow}"]`);
    await row.getByRole("button", { name: "Pause" }).click();
    await row.locator('td[data-state="paused"]').waitFor();
    await row.getByRole("button", { name: "Resume" }).waitFor();
  });
  await expect("the flow's mapping page previews a sample record from the source", async () => {
    await page.getByRole("link", { name: flow, exact: true }).click();
    await page.getByRole("button", { name: "Sample from source" }).click();
    const out = await page.locator("[data-output]").first().innerText();
    if (!out.includes("quantity")) throw new Error("preview output: " + out);
  });
  await expect("Reconcile now stores a report and shows the flow's comparison", async () => {
    await page.getByRole("link", { name: "Reconciliation" }).click();
    await page.getByRole("button", { name: "Reconcile now" }).click();
    const section = page.locator(`[data-report-flow="${flow}"]`);
    await section.waitFor();
    const title = await section.locator("h2").first().innerText();
    if (!title.includes("2 compared, 0 drifted")) throw new Error("report: " + title);
  });
  await expect("the Shop page says where each webhook subscription stands and reads the shop for onboarding", async () => {
    await page.getByRole("link", { name: "Shop" }).click();
    const state = await page.locator('tr[data-topic="PRODUCTS_UPDATE"] td[data-state]').innerText();
    if (!state.includes("foreign")) throw new Error("subscription state: " + state);
    await page.getByRole("button", { name: "Read the shop now" }).click();
    const report = await page.locator('[data-onboard="products"]').innerText();
    if (!report.includes("Shop: 3 products")) throw new Error("onboarding report: " + report);
  });
  if (consoleErrors.length) throw new Error("page errors: " + consoleErrors.join("; "));
  await page.screenshot({ path: join(shots, "dashboard.png"), fullPage: true });
  await browser.close();
} catch (e) {
  console.error(`FAILED at "${step}": ${e.message}`);
  await page.screenshot({ path: join(shots, "dashboard-failure.png"), fullPage: true }).catch(() => {});
  await browser.close();
  process.exit(1);
}
