// The API docs in Chromium with every request off this host refused (as offline), under the page's CSP:
// Swagger UI must render the API's title and operations, with no policy violation.
// Usage: node e2e/docs.mjs <base-url>
import { launchChromium, watchPolicy } from "./browser.mjs";

const [base] = process.argv.slice(2);
const origin = new URL(base).origin;
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  const offHost = [];
  await page.route("**/*", (route) => {
    if (new URL(route.request().url()).origin === origin) return route.continue();
    offHost.push(route.request().url());
    return route.abort();
  });
  const violations = await watchPolicy(page);
  await page.goto(`${base}/api/docs`);
  await page.locator(".swagger-ui .info .title", { hasText: "Bachata Buddy API" }).waitFor({ timeout: 30000 });
  await page.locator(".opblock-summary-path", { hasText: "/api/auth/login" }).first().waitFor({ timeout: 30000 });
  if (offHost.length) throw new Error(`the docs asked for files off this host: ${offHost.join(", ")}`);
  if (violations.length) throw new Error(`CSP violations: ${violations.join("; ")}`);
  console.log("docs rendered offline under their CSP");
} finally {
  await browser.close();
}
