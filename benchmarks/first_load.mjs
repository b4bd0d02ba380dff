// First load of the built app in Chromium, cold each time (a fresh browser context has no cache).
// Usage: node benchmarks/first_load.mjs BASE RUNS  → prints JSON with every load time in ms.
import { chromium } from "../frontend/node_modules/playwright-core/index.mjs";

const [base, runs = "10"] = process.argv.slice(2);
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--no-first-run", "--disable-quic"];
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: FLAGS });
const loads = [];
for (let i = 0; i < Number(runs); i += 1) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const started = Date.now();
  await page.goto(`${base}/login`);
  await page.getByRole("heading", { name: "Log in" }).waitFor();
  const interactive = Date.now() - started;
  const navigation = await page.evaluate(() => performance.getEntriesByType("navigation")[0].loadEventEnd);
  loads.push({ interactive_ms: interactive, load_event_ms: Math.round(navigation) });
  await context.close();
}
await browser.close();
console.log(JSON.stringify(loads));
