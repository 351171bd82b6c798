// Drives the weft dashboard in headless Chromium like an operator: sign in with the admin token,
// load the overview, navigate to a failed record and read its error and request, retry its
// dead-lettered job, edit and retry it when it fails again (a wrong edit refused inline, the
// original and the edit kept and shown), pause a flow's queue, preview a flow's mapping,
// reconcile, on the Shop page see a webhook subscription's state and read the shop for
// onboarding, see the overview refresh by itself, and explain a pushed number.
// Usage: node dashboard.mjs BASE_URL ADMIN_TOKEN FLOW SCREENSHOT_DIR
// Exits 0 when every step saw what it expected; otherwise prints the step and exits 1.
import { drive } from "./session.mjs";

const [base, token, flow, shots] = process.argv.slice(2);
await drive("dashboard", shots, async ({ page, expect }) => {
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
  let editedJob = null;
  await expect("the retried job fails again and shows up by itself; Edit refuses a wrong record inline and retries a fixed one, the original and the edit both kept and shown", async () => {
    // No navigation: the page refreshes itself until the retried job is dead-lettered again.
    const row = page.locator('tr[data-job][data-state="open"]').first();
    await row.waitFor({ timeout: 20000 });
    const job = await row.getAttribute("data-job");
    await row.getByRole("button", { name: "Edit" }).click();
    const editor = page.locator(`tr[data-editor="${job}"]`);
    const original = await editor.locator("[data-original]").innerText();
    if (!original.includes("NOWHERE")) throw new Error("the editor's original: " + original);
    const text = editor.getByLabel("Edited record");
    await text.fill('{"sku": "SKU-2-0", "location": "WH", "on_hand": "nine"}');
    await editor.getByRole("button", { name: "Retry with this record" }).click();
    const refused = editor.locator("[data-edit-error]");
    await page.waitForFunction((el) => el.textContent.length > 0, await refused.elementHandle());
    const why = await refused.innerText();
    if (!why.includes("InventoryLevel")) throw new Error("the refusal says: " + why);
    await text.fill(original.replace('"NOWHERE"', '"WH"'));
    await editor.getByLabel("Why").fill("WH is the warehouse");
    await editor.getByRole("button", { name: "Retry with this record" }).click();
    const done = page.getByText(`Retried job ${job} with the edit as job`);
    await done.waitFor();
    editedJob = (await done.innerText()).match(/as job (\d+)/)[1];
    const audit = page.locator(`[data-edit-audit="${job}"]`);
    await audit.locator("summary").click();
    const before = await audit.locator("[data-audit-original]").innerText();
    const after = await audit.locator("[data-audit-edit]").innerText();
    if (!before.includes("NOWHERE") || !after.includes('"WH"')) throw new Error(`audit: ${before} / ${after}`);
    if (!(await audit.innerText()).includes("WH is the warehouse")) throw new Error("the note is not shown");
  });
  await expect("the edited job runs: its lineage shows it written, without a reload", async () => {
    await page.locator(`tr[data-job] a`).first().click();
    const step = page.locator(`tr[data-step-job="${editedJob}"]`).first();
    await step.waitFor({ timeout: 20000 });
    const cells = await step.locator("td").allInnerTexts();
    if (!["updated", "created", "unchanged"].includes(cells[4])) throw new Error("the edited job's outcome: " + cells.join(" | "));
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
  await expect("the overview refreshes by itself: a flow paused elsewhere shows as paused without a reload", async () => {
    await page.getByRole("link", { name: "Overview" }).click();
    const row = page.locator('tr[data-flow="products"]');
    await row.locator('td[data-state="running"]').waitFor();
    const call = (path) => page.evaluate(async (path) => {
      const r = await fetch(path, { method: "POST", headers: { authorization: "Bearer " + sessionStorage.getItem("weft-token") } });
      if (!r.ok) throw new Error(path + ": " + r.status);
    }, path);
    await call("/api/flows/products/pause");
    await row.locator('td[data-state="paused"]').waitFor({ timeout: 15000 });
    await call("/api/flows/products/resume");
    await row.locator('td[data-state="running"]').waitFor({ timeout: 15000 });
  });
  await expect("Explain shows how the number pushed for a SKU was computed; the pages print no null", async () => {
    await page.getByRole("link", { name: "Explain" }).click();
    await page.getByLabel("SKU").fill("SKU-0-0");
    await page.getByRole("button", { name: "Explain" }).click();
    const section = await page.locator(`[data-explain="${flow}"]`).innerText();
    if (!section.includes("available")) throw new Error("explain: " + section);
    // An absent value handed to the DOM as a child shows as a text node "null" of its own.
    for (const [hash, heading] of [["#/dlq", "Dead letters"], [`#/flows/${flow}`, `Flow ${flow}:`], ["#/", "Flows"]]) {
      await page.goto(base + "/" + hash);
      await page.locator("main h1", { hasText: heading }).waitFor();
      const stray = await page.evaluate(() => [...document.querySelectorAll("main, main *")].flatMap((el) => [...el.childNodes])
        .filter((n) => n.nodeType === 3 && ["null", "undefined"].includes(n.textContent.trim())).length);
      if (stray) throw new Error(`${hash} prints null or undefined ${stray} time(s)`);
    }
  });
});
