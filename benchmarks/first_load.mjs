// First load of the built app in Chromium, cold each time (a fresh browser context has no cache).
// Usage: node benchmarks/first_load.mjs BASE RUNS  → prints JSON with every load time in ms.
import { launchChromium } from "../frontend/e2e/browser.mjs";

const [base, runs = "10"] = process.argv.slice(2);
const browser = await launchChromium();
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
