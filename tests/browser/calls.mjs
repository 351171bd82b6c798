// Drives the weft dashboard in headless Chromium: a failed record's page shows the Shopify call
// that failed it (request id, cost, the GraphQL answer), and a record pushed through a plugin
// shows the plugin's HTTP exchange with its token redacted.
// Usage: node calls.mjs BASE_URL ADMIN_TOKEN FAILED(RUN/records/SEQ) REQUEST_ID EXCHANGE(RUN/records/SEQ) SECRET SCREENSHOT_DIR
// Exits 0 when every step saw what it expected; otherwise prints the step and exits 1.
import { drive } from "./session.mjs";

const [base, token, failed, requestId, exchange, secret, shots] = process.argv.slice(2);
await drive("calls", shots, async ({ page, expect }) => {
  await page.goto(`${base}/#/runs/${failed}`, { waitUntil: "load" });
  await page.getByLabel("Admin token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect("the failed record shows its Shopify call: request id, cost and the GraphQL answer", async () => {
    const call = page.locator(`details[data-call-kind="shopify"][data-request-id="${requestId}"]`);
    await call.waitFor();
    const summary = await call.locator("summary").innerText();
    for (const part of ["ProductSet", "request id " + requestId, "requested", "actual", "bucket"]) {
      if (!summary.includes(part)) throw new Error(`summary lacks ${part}: ${summary}`);
    }
    await call.locator("summary").click();
    const response = await call.locator("[data-call-response]").innerText();
    if (!response.includes("The variant option values must be unique")) throw new Error("response: " + response);
  });
  await expect("a plugin's HTTP exchange shows with its token redacted", async () => {
    await page.goto(`${base}/#/runs/${exchange}`);
    const call = page.locator('details[data-call-kind="http"]').first();
    await call.waitFor();
    await call.locator("summary").click();
    const summary = await call.locator("summary").innerText();
    if (!summary.includes("access_token=[REDACTED]")) throw new Error("summary: " + summary);
    const request = await call.locator("[data-call-request]").innerText();
    if (!request.includes("authorization: [REDACTED]")) throw new Error("request: " + request);
    const text = await page.locator("main").innerText();
    if (text.includes(secret)) throw new Error("the secret shows on the page");
  });
});
