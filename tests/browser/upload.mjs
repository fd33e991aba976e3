// Upload a bill through the web page in Debian's headless Chromium, wait for its number and
// evidence image, and save a screenshot. Configured by the environment:
//   CUSTID_URL, CUSTID_KEY, CUSTID_FILE, CUSTID_EXPECT (the number), CUSTID_SCREENSHOT,
//   CUSTID_PROFILE (a fresh user data directory). Prints one JSON line; exit 1 on failure.
import { chromium } from "playwright-core";

const env = (name) => {
  if (!process.env[name]) throw new Error(`${name} is not set`);
  return process.env[name];
};
const TIMEOUT = 60_000;

const context = await chromium.launchPersistentContext(env("CUSTID_PROFILE"), {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  viewport: { width: 1100, height: 1300 },
});
let failed = false;
try {
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(env("CUSTID_URL"));
  await page.getByLabel("API key (kept in this tab only)").fill(env("CUSTID_KEY"));
  await page.getByRole("button", { name: "Use this key" }).click();
  await page.getByText("The key is set for this tab.").waitFor();
  await page.getByLabel("Documents to add").setInputFiles(env("CUSTID_FILE"));
  await page.locator("#progress li.done").waitFor();
  const progress = await page.locator("#progress li").first().innerText();

  await page.getByLabel("Show full numbers").check();
  await page.getByRole("button", { name: "Look up" }).click();
  const number = page.locator('[data-testid="number"]', { hasText: env("CUSTID_EXPECT") });
  await number.first().waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll(".number img")]
    .some((image) => image.complete && image.naturalWidth > 0));
  const width = await page.locator(".number img").first()
    .evaluate((image) => image.naturalWidth);
  await page.screenshot({ path: env("CUSTID_SCREENSHOT"), fullPage: true });
  if (errors.length) throw new Error(`errors on the page: ${errors.join("; ")}`);
  console.log(JSON.stringify({ progress, number: await number.first().innerText(),
    evidence_width: width, screenshot: env("CUSTID_SCREENSHOT") }));
} catch (error) {
  failed = true;
  console.error(String(error && error.stack || error));
} finally {
  await context.close();
}
process.exit(failed ? 1 : 0);
