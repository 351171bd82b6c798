// Drives the dashboard's config editor in headless Chromium like an operator.
// Phase `edit`: on the Config page of FLOW, add a rule "product type Mugs → tag `kitchen`, title
// from a lookup" with a CEL error first, see the error inline, fix it, add the lookup table,
// preview a sampled record (the mug: before and after), see the diff, save with a comment.
// Phase `rollback`: the history lists versions 1 and 2; roll back to version 1.
// Usage: node config_editor.mjs PHASE BASE_URL ADMIN_TOKEN FLOW SCREENSHOT_DIR
// Exits 0 when every step saw what it expected; otherwise prints the step and exits 1.
import { drive } from "./session.mjs";

const [phase, base, token, flow, shots] = process.argv.slice(2);
await drive(`config-${phase}`, shots, async ({ page, expect }) => {
  const text = async (selector) => (await page.locator(selector).innerText()).trim();
  await page.goto(`${base}/#/config/${flow}`, { waitUntil: "load" });
  await expect("signing in opens the config editor on the running version", async () => {
    await page.getByLabel("Admin token").fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: /Config version \d+/ }).waitFor();
  });
  if (phase === "edit") {
    await expect("a rule with a CEL error shows the error inline, with its position", async () => {
      await page.getByRole("button", { name: "Add rule" }).click();
      const rule = page.locator("[data-rule]").last();
      await rule.getByLabel("Rule name").fill("mugs");
      await rule.getByLabel("When (CEL)").fill("erp.product_type = 'Mugs'");
      await rule.getByLabel("Target").first().fill("tags");
      await rule.getByLabel("Expression (CEL)").first().fill("['kitchen']");
      const inline = rule.locator("[data-field-error]:not(:empty)").first();
      await inline.waitFor({ timeout: 15000 });
      const why = (await inline.innerText()).trim();
      if (!/line|column|position|\d/.test(why)) throw new Error("the inline error has no position: " + why);
      await page.locator("[data-finding]").first().waitFor();
      console.log("   inline error:", why);
    });
    await expect("fixing it and taking the title from a new lookup table checks clean", async () => {
      const rule = page.locator("[data-rule]").last();
      await rule.getByLabel("When (CEL)").fill("erp.product_type == 'Mugs'");
      await rule.getByRole("button", { name: "Add target" }).click();
      await rule.getByLabel("Target").nth(1).fill("title");
      await rule.getByLabel("Expression (CEL)").nth(1).fill("lookup('titles', erp.sku, erp.title)");
      await page.getByRole("button", { name: "Add lookup table" }).click();
      const table = page.locator("[data-lookup]").last();
      await table.getByLabel("Table name").fill("titles");
      await table.getByLabel("Key").first().fill("MUG-1");
      await table.getByLabel("Value").first().fill("The Kitchen Mug");
      await page.locator("[data-valid]").waitFor({ timeout: 15000 }).catch(async () => {
        throw new Error("the check still says: " + (await text("[data-findings]")));
      });
      const diff = await text("[data-diff]");
      for (const line of ["+ [[flows.products.rules]]", "erp.product_type == 'Mugs'", "+ [lookups.titles]"]) {
        if (!diff.includes(line)) throw new Error(`the diff lacks ${line}:\n${diff}`);
      }
    });
    await expect("previewing a sampled record shows the mug before and after the change", async () => {
      await page.getByRole("button", { name: "Sample a record" }).click();
      await page.locator("[data-after] [data-output]").first().waitFor({ timeout: 30000 });
      const before = await text("[data-before] [data-output]");
      const after = await text("[data-after] [data-output]");
      if (!before.includes('"Big Mug"') || before.includes("kitchen")) throw new Error("before: " + before);
      if (!after.includes('"The Kitchen Mug"') || !after.includes("kitchen")) throw new Error("after: " + after);
    });
    await expect("saving with a comment makes version 2 the running one", async () => {
      await page.getByLabel("Your name").fill("Dana (ops)");
      await page.getByLabel("Comment").fill("Mugs are kitchenware");
      await page.getByRole("button", { name: "Save version" }).click();
      await page.getByText("Saved version 2: it runs now.").waitFor({ timeout: 60000 });
      await page.getByRole("heading", { name: "Config version 2" }).waitFor();
    });
  } else {
    await expect("the history lists both versions, who saved them and why", async () => {
      await page.locator('tr[data-version="2"]').waitFor();
      const two = await text('tr[data-version="2"]');
      const one = await text('tr[data-version="1"]');
      if (!two.includes("Mugs are kitchenware") || !two.includes("Dana (ops)") || !two.includes("running")) throw new Error("version 2: " + two);
      if (!one.includes("file")) throw new Error("version 1: " + one);
    });
    await expect("rolling back to version 1 runs a version 3 with its mapping and rules", async () => {
      await page.getByLabel("Your name").fill("Sam (on call)");
      await page.locator('tr[data-version="1"]').getByRole("button", { name: "Roll back to this" }).click();
      await page.getByText("Rolled back: version 3 (version 1's mapping, rules and lookups) runs now.").waitFor({ timeout: 60000 });
      const three = await text('tr[data-version="3"]');
      if (!three.includes("restores version 1")) throw new Error("version 3: " + three);
    });
  }
}, (page) => page.on("dialog", (d) => d.accept(phase === "rollback" ? "back to the plain titles" : undefined)));
